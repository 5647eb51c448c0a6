"""Уроки в обычном режиме — так, как их запускает ученик (`make lab`, без переменных).

Каждый урок выполняется один раз в свежем ядре (tools/run_lessons.py), по порядку, в общей
рабочей папке: урок 5 берёт набор, созданный уроком 4. Тест падает, если в уроке ошибка, если
пиковая память ядра больше 3 ГБ или если урок шёл дольше двух своих бюджетов из реестра
(машины CI шумные: запас вдвое). Таблица «урок, секунды, пик МБ» печатается в конце pytest.
Выполненные уроки (с выводами и состоянием виджетов) остаются в build/executed/default/ —
из них тест книги собирает HTML-издание, не выполняя уроки ещё раз.
"""

from __future__ import annotations

import json
import re

import pytest

from cnn_course.lessons import LESSONS

pytestmark = pytest.mark.lessons

PEAK_LIMIT_MB = 3 * 1024
TIME_MARGIN = 2.0


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_lesson_in_default_mode(default_runs, lesson):
    run = default_runs[lesson.number]
    assert run["error"] is None, f"урок {lesson.file} упал в обычном режиме:\n{run['error']}"
    assert run["peak_mb"] <= PEAK_LIMIT_MB, (
        f"урок {lesson.file}: пик памяти ядра {run['peak_mb']:.0f} МБ > {PEAK_LIMIT_MB} МБ"
    )
    budget = lesson.budget_s["default"]
    assert run["seconds"] <= TIME_MARGIN * budget, (
        f"урок {lesson.file}: {run['seconds']:.0f} с, а бюджет {budget} с (с запасом ×{TIME_MARGIN:g})"
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_lesson_output_has_no_technical_noise(executed_default, lesson):
    """После «Run All» ученик не видит ни красных блоков stderr (предупреждения, сырые tqdm), ни
    ``<object at 0x…>``: это шум, а не урок."""
    nb = json.loads((executed_default / lesson.file).read_text(encoding="utf-8"))
    noise = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream" and out["name"] == "stderr":
                noise.append(f"{cell['id']}: stderr: {''.join(out['text'])[:120]!r}")
            data = out.get("data", {})
            shown = "".join(data.get("text/plain", "")) if set(data) <= {"text/plain"} else ""  # видна лишь она
            text = "".join(out.get("text", "")) + shown
            if re.search(r"<[\w.]+ (object )?at 0x[0-9a-f]+>", text):
                noise.append(f"{cell['id']}: объект вместо результата: {text[:120]!r}")
    assert not noise, f"{lesson.file}: технический шум в выводе:\n" + "\n".join(noise)
