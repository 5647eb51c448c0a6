"""Вид вопроса с выбором для банков упражнений: варианты и объяснения — данные, а не текст вопроса."""

from __future__ import annotations

from typing import Any


def _quiz(key: str, stem: str, explanation: str, hint: str, *options: tuple[str, str | None]) -> dict[str, Any]:
    """Вопрос с выбором: ``options`` — пары (текст варианта, почему он неверен); у верного варианта
    вместо объяснения ``None``. Номера вариантов — с 1, в порядке перечисления."""
    right = [n for n, (_, why) in enumerate(options, 1) if why is None]
    if len(right) != 1:
        raise ValueError(f"{key}: верный вариант должен быть ровно один, а их {len(right)}")
    listed = "; ".join(f"{n} — {text}" for n, (text, _) in enumerate(options, 1))
    return dict(
        key=key,
        question=f"{stem} Варианты: {listed}. Впишите номер варианта.",
        answer=right[0],
        explanation=explanation,
        hint=hint,
        mistakes=tuple((n, why) for n, (_, why) in enumerate(options, 1) if why is not None),
        stem=stem,
        choices=tuple(text for text, _ in options),
    )
