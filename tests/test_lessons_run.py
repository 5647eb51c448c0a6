"""Уроки в обычном режиме — так, как их запускает ученик (`make lab`, без переменных).

Каждый урок выполняется один раз в свежем ядре (tools/run_lessons.py), по порядку, в общей
рабочей папке: урок 5 берёт набор, созданный уроком 4. Тест падает, если в уроке ошибка, если
пиковая память ядра больше 3 ГБ или если урок шёл дольше двух своих бюджетов из реестра
(машины CI шумные: запас вдвое). Таблица «урок, секунды, пик МБ» печатается в конце pytest.
Выполненные уроки (с выводами и состоянием виджетов) остаются в build/executed/default/ —
из них тест книги собирает HTML-издание, не выполняя уроки ещё раз.
"""

from __future__ import annotations

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
