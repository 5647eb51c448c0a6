"""Проверка орфографии Markdown-ячеек уроков и README через hunspell (ru_RU + en_US)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = Path(__file__).with_name("spelling_allowlist.dic")
DICTS = "ru_RU,en_US"

_STRIP = [
    re.compile(r"```.*?```", re.S),  # блоки кода
    re.compile(r"`[^`\n]*`"),  # код в строке
    re.compile(r"\$\$.*?\$\$", re.S),  # формулы на отдельной строке
    re.compile(r"\$[^$\n]+\$"),  # формулы в строке
    re.compile(r"https?://\S+"),  # ссылки
    re.compile(r"\]\([^)]*\)"),  # адрес ссылки Markdown
    re.compile(r"<[^>\n]+>"),  # HTML-теги
    re.compile(r"&[a-z]+;"),  # HTML-сущности
]


def prose(text: str) -> str:
    """Текст без кода, формул, ссылок и тегов — только то, что проверяем."""
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    return text


def hunspell_available() -> bool:
    """Есть ли hunspell и словари ru_RU и en_US."""
    if shutil.which("hunspell") is None:
        return False
    out = subprocess.run(["hunspell", "-D"], input="", capture_output=True, text=True).stderr
    return "ru_RU" in out and "en_US" in out


def misspelled(text: str) -> list[str]:
    """Слова из ``text``, которых нет ни в словарях, ни в списке разрешённых (по порядку, без повторов)."""
    result = subprocess.run(
        ["hunspell", "-d", DICTS, "-p", str(ALLOWLIST), "-i", "utf-8", "-l"],
        input=prose(text),
        capture_output=True,
        text=True,
        check=True,
    )
    return list(dict.fromkeys(w for w in result.stdout.split() if w))


def documents() -> dict[str, str]:
    """Тексты для проверки: README и Markdown-ячейки каждого урока."""
    docs = {"README.md": (ROOT / "README.md").read_text(encoding="utf-8")}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
        ]
        docs[f"notebooks/{path.name}"] = "\n\n".join(cells)
    return docs
