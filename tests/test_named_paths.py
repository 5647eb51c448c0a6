"""Каждый путь к файлу курса, названный в уроке, README или документации пакета, существует.

Урок, который ссылается на переименованный файл (``cnn_course/sungen.py``), отправляет ученика
искать то, чего нет. Проверяются пути, начинающиеся с папок проекта: ``cnn_course/…``,
``notebooks/…``, ``benchmarks/…``, ``tools/…``, ``tests/…``, ``book/…``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATH = re.compile(r"(?<![\w./-])((?:cnn_course|notebooks|benchmarks|tools|tests|book)/[\w./-]*[\w/])")


def named_paths(text: str) -> set[str]:
    """Пути из текста; шаблоны (``*``, ``<имя>``) и ``…`` не считаются."""
    return {m for m in PATH.findall(text) if "*" not in m and "…" not in m}


def sources() -> list[tuple[str, str]]:
    """(где, текст): ячейки уроков, README и CONTRIBUTING, модули пакета (документация и сообщения)."""
    found = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text(encoding="utf-8"))["cells"]):
            found.append((f"{nb.name}, ячейка {i}", "".join(cell["source"])))
    for name in ["README.md", "CONTRIBUTING.md"]:
        if (ROOT / name).exists():
            found.append((name, (ROOT / name).read_text(encoding="utf-8")))
    for py in sorted((ROOT / "cnn_course").rglob("*.py")):
        found.append((str(py.relative_to(ROOT)), py.read_text(encoding="utf-8")))
    return found


def test_paths_are_found_in_the_texts():
    assert named_paths("см. `cnn_course/sun/draw.py`, а не notebooks/*.ipynb.") == {"cnn_course/sun/draw.py"}
    assert named_paths("(`cnn_course/sungen.py`)") == {"cnn_course/sungen.py"}


@pytest.mark.parametrize("where,text", sources(), ids=[w for w, _ in sources()])
def test_every_named_path_exists(where, text):
    missing = sorted(p for p in named_paths(text) if not (ROOT / p.rstrip("/")).exists())
    assert not missing, f"{where}: нет таких файлов: {missing}"
