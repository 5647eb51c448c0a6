"""Общие настройки тестов: быстрый режим для уроков, запускаемых nbval."""

import os

# Ядра Jupyter, которые запускает nbval, наследуют окружение этого процесса.
os.environ.setdefault("CNN_COURSE_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_terminal_summary(terminalreporter):
    """Печатает, где лежат снимки обозревателей из браузерного теста (если он их сделал)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "build" / "screenshots"
    shots = sorted(folder.glob("*.png")) if folder.is_dir() else []
    if shots:
        terminalreporter.write_line(f"Снимки обозревателей ({len(shots)}): {folder}")
