"""Убирает из уроков результаты выполнения: выводы, номера запусков, служебные метаданные ячеек.

    python tools/strip_outputs.py            # все уроки в notebooks/
    python tools/strip_outputs.py FILE ...   # выбранные

Уроки хранятся без выводов (это проверяет tests/test_project_files.py). Файл пишется так же, как
его пишет JupyterLab (nbformat 4.5, ключи по алфавиту, отступ 1), поэтому сохранение урока в
JupyterLab и эта команда не дают лишних различий в git. Запускайте перед коммитом: ``make strip``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = ("execution", "collapsed", "scrolled", "jp-MarkdownHeadingCollapsed")


def strip(path: Path) -> bool:
    """Очищает один урок; True, если файл изменился."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    for cell in nb["cells"]:
        for key in VOLATILE:
            cell.get("metadata", {}).pop(key, None)
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)
    new = json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        if strip(path):
            print(f"очищен: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
