"""Реестр уроков — единственный список: с ним сверяются notebooks/, README, упражнения, режимы."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import cnn_course as cc
from cnn_course.exercises import EXERCISES
from cnn_course.lessons import LESSONS, README_BEGIN, README_END, format_duration, get_lesson, readme_table
from cnn_course.settings import MODES

ROOT = Path(__file__).resolve().parents[1]


def test_registry_and_notebooks_agree():
    on_disk = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    listed = [lesson.file for lesson in LESSONS]
    assert sorted(listed) == on_disk, f"реестр: {listed}, в notebooks/: {on_disk}"
    assert [lesson.number for lesson in LESSONS] == list(range(1, len(LESSONS) + 1))


def test_readme_table_is_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    inside = readme.partition(README_BEGIN)[2].partition(README_END)[0].strip()
    assert inside == readme_table(), "таблица уроков в README разошлась с реестром: python tools/update_readme.py"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_lesson_entry_is_complete(lesson):
    nb = json.loads((ROOT / "notebooks" / lesson.file).read_text(encoding="utf-8"))
    title = "".join(nb["cells"][0]["source"]).splitlines()[0]
    assert title == f"# Урок {lesson.number}. {lesson.title}", title
    first_code = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert f"cc.start_lesson({lesson.number})" in first_code, "первая ячейка должна вызывать cc.start_lesson"
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for widget in lesson.widgets:
        assert re.search(rf"\b{widget}\(", code), f"урок не показывает обозреватель {widget}"
    keys = [k for k in EXERCISES if k.startswith(lesson.exercise_prefix + ".")]
    assert keys, f"у урока нет упражнений с префиксом {lesson.exercise_prefix!r}"
    assert set(lesson.budget_s) == set(MODES) and lesson.budget_s["smoke"] <= lesson.budget_s["default"]
    limit = 300 if lesson.number == 4 else 180
    assert lesson.budget_s["default"] <= limit, "обычный режим: урок за минуты на 2 ядрах"


def test_get_lesson_and_start_lesson(capsys, monkeypatch):
    assert get_lesson(4) is get_lesson("04_sun_regression.ipynb") is get_lesson("04")
    with pytest.raises(ValueError, match="урока 9 нет"):
        get_lesson(9)
    with pytest.raises(TypeError, match="номер урока"):
        get_lesson(None)
    monkeypatch.setenv("CNN_COURSE_MODE", "default")
    assert cc.start_lesson(4) == "default"
    out = capsys.readouterr().out
    assert "Режим: обычный" in out and format_duration(get_lesson(4).budget_s["default"]) in out


def test_format_duration():
    assert format_duration(40) == "40\u00a0с"
    assert format_duration(300) == "5\u00a0мин"
    assert format_duration(3900) == "1\u00a0ч 5\u00a0мин"
