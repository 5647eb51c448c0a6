"""Упражнения для самопроверки: ученик вписывает ответ, функция check() отвечает по-русски."""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["Exercise", "CheckResult", "EXERCISES", "check", "exercise"]


@dataclass(frozen=True)
class Exercise:
    """Одно упражнение: вопрос, верный ответ, типичные ошибки с подсказками."""

    key: str
    question: str
    answer: object
    explanation: str
    hint: str
    mistakes: tuple = ()  # пары (неверный ответ, подсказка именно для него)
    tol: float = 1e-6

    def _repr_markdown_(self) -> str:
        return f"**Упражнение `{self.key}`.** {self.question}"

    def __str__(self) -> str:
        return f"Упражнение {self.key}. {self.question}"


@dataclass(frozen=True)
class CheckResult:
    """Итог проверки: ``ok`` и сообщение. В Jupyter показывается цветной плашкой."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return ("✅ " if self.ok else "❌ ") + self.message

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = "#e6f4ea" if self.ok else "#fdecea"
        return (f'<div style="background:{color};padding:6px 10px;border-radius:4px">'
                f"{html.escape(str(self))}</div>")


def _normalize(value):
    """Число → float, форма/последовательность → кортеж float; иначе None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return float(value.item())
    if isinstance(value, (tuple, list)) or type(value).__name__ == "Size":
        items = [_normalize(v) for v in value]
        if any(v is None or isinstance(v, tuple) for v in items):
            return None
        return tuple(items)
    return None


def _same(a, b, tol: float) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(math.isclose(x, y, rel_tol=tol, abs_tol=tol) for x, y in zip(a, b)))
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _ex(key, question, answer, explanation, hint, *mistakes, tol=1e-6) -> Exercise:
    return Exercise(key, question, answer, explanation, hint, tuple(mistakes), tol)


_ALL = (
    # --- урок 1: свёртка ---
    _ex("conv.params",
        "Сколько обучаемых параметров у слоя `nn.Conv2d(3, 16, kernel_size=3)`?",
        448,
        "16 фильтров по 3·3·3 = 27 весов и по одному смещению: 16·27 + 16 = 448.",
        "Каждый фильтр видит все 3 входных канала; у каждого фильтра есть ещё смещение (bias).",
        (432, "Почти: вы забыли смещения — по одному на каждый из 16 фильтров."),
        (160, "Каждый фильтр имеет размер 3×3 по каждому из 3 входных каналов, а не просто 3×3."),
        (144, "Каждый фильтр имеет размер 3×3 по каждому из 3 входных каналов, и есть смещения."),
        (27, "Это один фильтр без смещения, а фильтров 16."),
        (28, "Это один фильтр со смещением, а фильтров 16.")),
    _ex("conv.output_size",
        "Вход 32×32, ядро 5×5, stride=2, padding=1. Какая высота карты признаков?",
        15,
        "(32 + 2·1 − 5) // 2 + 1 = 29 // 2 + 1 = 14 + 1 = 15.",
        "Формула: (H + 2·padding − kernel_size) // stride + 1.",
        (16, "Деление здесь целочисленное, с округлением вниз: 29 // 2 = 14, а не 14,5 → 15."),
        (14, "Не забудьте «+ 1» в конце формулы: первая позиция окна тоже даёт выход."),
        (28, "Вы не учли дополнение нулями и шаг: (32 + 2·1 − 5) // 2 + 1."),
        (29, "Вы не учли шаг: сдвиги идут через клетку, делите на stride."),
        (30, "Вы не учли шаг: сдвиги идут через клетку, делите на stride.")),
    _ex("conv.z_value",
        "Окно входа [[1, 2, 0], [0, 1, 3], [2, 1, 0]], ядро Собеля по x "
        "[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], смещение 1. Чему равно z?",
        4,
        "z = (−1·1 + 0·2 + 1·0) + (−2·0 + 0·1 + 2·3) + (−1·2 + 0·1 + 1·0) + 1 = −1 + 6 − 2 + 1 = 4.",
        "Перемножьте окно и ядро поэлементно (клетка с клеткой), сложите 9 произведений и прибавьте смещение.",
        (3, "Почти: вы забыли прибавить смещение ω₀ = 1."),
        (-2, "Вы перевернули ядро, как в «математической» свёртке. В PyTorch ядро не переворачивается "
             "(это взаимная корреляция): клетка (i, j) ядра умножается на клетку (i, j) окна."),
        (-3, "Вы перевернули ядро и забыли смещение. В PyTorch ядро не переворачивается.")),
    _ex("conv.relu",
        "Сумма с весами и смещением дала z = −2.5. Чему равен выход нейрона u = ReLU(z)?",
        0,
        "ReLU(z) = max(0, z) = max(0, −2.5) = 0: отрицательный отклик обнуляется.",
        "ReLU(z) = max(0, z).",
        (-2.5, "Это z до активации; ReLU заменяет отрицательные значения нулём."),
        (2.5, "ReLU не берёт модуль: отрицательные значения становятся нулём.")),
)

EXERCISES = MappingProxyType({e.key: e for e in _ALL})


def exercise(key: str) -> Exercise:
    """Упражнение по ключу (для показа вопроса в уроке).

    Raises:
        KeyError: нет такого упражнения (сообщение перечисляет имеющиеся).
    """
    if key not in EXERCISES:
        raise KeyError(f"Нет упражнения {key!r}; есть: {', '.join(EXERCISES)}")
    return EXERCISES[key]


def check(key: str, answer) -> CheckResult:
    """Проверяет ответ ученика на упражнение ``key``.

    Args:
        key: ключ упражнения (например, ``'conv.params'``).
        answer: число или кортеж чисел (форма тензора); ``...`` или None — ответа ещё нет.

    Returns:
        :class:`CheckResult`: верно ли и что сказать (объяснение или подсказка).
    """
    ex = exercise(key)
    if answer is None or answer is Ellipsis:
        return CheckResult(False, f"Ответа пока нет: впишите его вместо «...». {ex.question}")
    value = _normalize(answer)
    expected = _normalize(ex.answer)
    if value is None:
        kind = "кортеж чисел (форма)" if isinstance(expected, tuple) else "число"
        return CheckResult(False, f"Ожидалось {kind}, получено {answer!r} (тип {type(answer).__name__})")
    if _same(value, expected, ex.tol):
        return CheckResult(True, f"Верно! {ex.explanation}")
    for wrong, why in ex.mistakes:
        if _same(value, _normalize(wrong), ex.tol):
            return CheckResult(False, f"Неверно. {why}")
    return CheckResult(False, f"Неверно. Подсказка: {ex.hint}")
