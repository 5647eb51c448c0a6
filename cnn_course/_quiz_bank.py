"""Банк вопросов с выбором по урокам (для ``exercises``): по нескольку на урок, в дополнение к
упражнениям из ``_exercise_bank``.

Каждый неверный вариант — типичная ошибка ученика, и у каждого варианта есть объяснение: почему он
неверен (или, у верного, ``explanation``). Ключ — «префикс_урока.имя», как у остальных упражнений;
номера («Упражнение 1.8») идут после упражнений урока. Данные — в ``_quiz_basics`` (уроки 1–3) и
``_quiz_networks`` (уроки 4–5), вид вопроса — ``_quiz_form._quiz``.
"""

from __future__ import annotations

from . import _quiz_basics, _quiz_networks
from ._quiz_form import _quiz

__all__ = ["QUIZ", "_quiz"]

QUIZ: tuple[dict, ...] = _quiz_basics.QUIZ + _quiz_networks.QUIZ
