"""Переписывает таблицу уроков в README.md по реестру cnn_course/lessons.py.

    python tools/update_readme.py

Тест tests/test_lessons_registry.py падает, если таблица в README разошлась с реестром.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnn_course.lessons import update_readme  # noqa: E402

if __name__ == "__main__":
    print("README обновлён" if update_readme(ROOT / "README.md") else "README уже совпадает с реестром")
