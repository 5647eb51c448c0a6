"""Фикстуры тестов: прогон уроков в обычном режиме (окружение задаёт conftest.py в корне)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "build" / "executed" / "default"

_TABLE: list[str] = []


@pytest.fixture(scope="session")
def default_runs() -> dict[int, dict]:
    """Один прогон всех уроков в обычном режиме на сессию pytest: {номер урока: итог}.

    Выполненные уроки — в build/executed/default/ (их читает тест книги).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNN_COURSE_")}
    env["CNN_COURSE_MODE"] = "default"
    env.pop("MPLBACKEND", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "run_lessons.py"), "--mode", "default", "--out", str(EXECUTED)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    runs_file = EXECUTED / "runs.json"
    if not runs_file.is_file():
        pytest.fail(f"прогон уроков не записал {runs_file}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    _TABLE[:] = [line for line in done.stdout.splitlines() if line][-(len(json.loads(runs_file.read_text())) + 3) :]
    return {run["number"]: run for run in json.loads(runs_file.read_text())}


@pytest.fixture(scope="session")
def executed_default(default_runs) -> Path:
    """Папка с уроками, выполненными в обычном режиме (с выводами и состоянием виджетов)."""
    return EXECUTED


def pytest_terminal_summary(terminalreporter):
    """Таблица прогона уроков в обычном режиме и путь к снимкам обозревателей."""
    if _TABLE:
        terminalreporter.write_sep("-", "уроки в обычном режиме (2 ядра CPU ученика)")
        for line in _TABLE:
            terminalreporter.write_line(line)
    folder = ROOT / "build" / "screenshots"
    shots = sorted(folder.glob("*.png")) if folder.is_dir() else []
    if shots:
        terminalreporter.write_line(f"Снимки обозревателей ({len(shots)}): {folder}")
