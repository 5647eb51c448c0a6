"""Числа и слова для печати по правилам русской типографики; цвета HTML-плашек курса.

- десятичная запятая: ``fmt(2.5, 1) == '2,5'``;
- числа из пяти и более цифр делятся на группы узким неразрывным пробелом (U+202F):
  ``fmt(138357544) == '138 357 544'``, а четырёхзначные — нет: ``fmt(4096) == '4096'``;
- минус — знак «−» (U+2212), а не дефис;
- единица отделяется неразрывным пробелом (U+00A0): ``fmt(9.4, 1, 'с') == '9,4 с'``;
- согласование с числом: ``plural(2, 'клетка', 'клетки', 'клеток') == 'клетки'``;
- плашки и цветной текст HTML читаются в светлой и тёмной темах JupyterLab и в книге: ``callout``.
"""

from __future__ import annotations

import math
import numbers
from typing import SupportsFloat

__all__ = [
    "THIN_NBSP",
    "NBSP",
    "fmt",
    "fmt_percent",
    "plural",
    "count_words",
    "CALLOUT_KINDS",
    "ERROR_COLOR",
    "MUTED_COLOR",
    "callout",
    "show_html",
]

THIN_NBSP = "\u202f"
NBSP = "\u00a0"
MINUS = "\u2212"


def _group(digits: str) -> str:
    """'138357544' → '138 357 544' (для пяти и более цифр)."""
    if len(digits) < 5:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return THIN_NBSP.join(parts)


def fmt(value: SupportsFloat, digits: int | None = None, unit: str | None = None) -> str:
    """Число по-русски: группы разрядов, десятичная запятая, знак «−», единица через неразрывный пробел.

    Args:
        value: число (int, float, numpy-число или тензор из одного элемента).
        digits: знаков после запятой; None — целые печатаются как есть, дробные с двумя знаками.
        unit: единица измерения («с», «МБ», «пикс.»), необязательно.

    Raises:
        TypeError: пришло не число.
        ValueError: ``digits`` отрицательно.
    """
    if hasattr(value, "item") and callable(value.item):
        try:
            value = value.item()
        except (ValueError, RuntimeError) as err:
            raise TypeError(f"value: ожидалось одно число, получен тензор или массив из нескольких ({err})") from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"value: ожидалось число, получено {value!r} (тип {type(value).__name__})")
    if digits is not None and (isinstance(digits, bool) or not isinstance(digits, int) or digits < 0):
        raise ValueError(f"digits: ожидалось целое число ≥ 0 или None, получено {digits!r}")
    if isinstance(value, numbers.Integral) and digits is None:
        text = _group(str(abs(int(value))))
        negative = value < 0
    else:
        value = float(value)
        if math.isnan(value):
            return "нет числа" + (NBSP + unit if unit else "")
        if math.isinf(value):
            text, negative = "∞", value < 0
        else:
            text = f"{abs(value):.{2 if digits is None else digits}f}"
            whole, _, frac = text.partition(".")
            text = _group(whole) + ("," + frac if frac else "")
            negative = value < 0 and any(ch not in "0,." for ch in text.replace(THIN_NBSP, ""))
    text = (MINUS if negative else "") + text
    return text + (NBSP + unit if unit else "")


def fmt_percent(share: SupportsFloat, digits: int = 0) -> str:
    """Доля как проценты: ``fmt_percent(0.743) == '74 %'`` (с неразрывным пробелом перед «%»)."""
    if hasattr(share, "item") and callable(share.item):
        share = share.item()
    if isinstance(share, bool) or not isinstance(share, numbers.Real):
        raise TypeError(f"share: ожидалась доля (число), получено {share!r} (тип {type(share).__name__})")
    return fmt(float(share) * 100, digits, "%")


def plural(n: float, one: str, few: str, many: str) -> str:
    """Форма слова, согласованная с числом: 1 клетка, 2 клетки, 5 клеток, 21 клетка, 1,5 клетки.

    Args:
        n: число (для дробных берётся форма ``few``, как «1,5 клетки»).
        one, few, many: формы для 1, 2–4 и 5–20.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Real):
        raise TypeError(f"n: ожидалось число, получено {n!r} (тип {type(n).__name__})")
    if not float(n).is_integer():
        return few
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count_words(n: float, one: str, few: str, many: str) -> str:
    """Число и согласованное слово: ``count_words(2, 'клетка', 'клетки', 'клеток') == '2 клетки'``."""
    return f"{fmt(n)}{NBSP}{plural(n, one, few, many)}"


# --- Цвет в HTML курса: плашки и цветной текст -----------------------------------------------------
# Одна договорённость для JupyterLab (светлая и тёмная темы) и книги. Текст плашки наследует цвет
# страницы, а фон — полупрозрачный оттенок цвета рамки: на белой странице он светлый, на тёмной —
# тёмный, и текст читается в любой теме. Рамка и цветной текст берут переменные JupyterLab
# (var(--jp-…)); запасной цвет после запятой — светлый вариант для книги, где этих переменных нет.
CALLOUT_KINDS = {  # вид → (рамка, фон)
    "right": ("var(--jp-success-color1, #34a853)", "rgba(52, 168, 83, 0.12)"),  # верный ответ
    "wrong": ("var(--jp-error-color1, #d93025)", "rgba(217, 48, 37, 0.12)"),  # неверный ответ
    "pending": ("var(--jp-border-color1, #9aa0a6)", "rgba(128, 134, 139, 0.12)"),  # ответа ещё нет
    "invalid": ("var(--jp-warn-color1, #f9ab00)", "rgba(249, 171, 0, 0.14)"),  # ответ не того вида
    "answer": ("var(--jp-brand-color1, #1a73e8)", "rgba(26, 115, 232, 0.12)"),  # показан ответ
    "warning": ("var(--jp-warn-color0, #c77c02)", "rgba(199, 124, 2, 0.12)"),  # ожидаемая ошибка, предупреждение
}
ERROR_COLOR = "var(--jp-error-color1, #b00020)"  # красный текст («Так нельзя:»): ≥ 4,5 : 1 в обеих темах
MUTED_COLOR = "var(--jp-content-font-color2, #5f6368)"  # серый текст подсказок


def callout(kind: str, body_html: str, *, css_class: str = "", style: str = "") -> str:
    """Плашка HTML: цветная рамка слева, полупрозрачный фон, текст цвета страницы.

    Args:
        kind: вид из ``CALLOUT_KINDS`` (``'right'``, ``'wrong'``, ``'pending'``, ``'invalid'``,
            ``'answer'``, ``'warning'``).
        body_html: содержимое — уже готовый (экранированный) HTML.
        css_class: дополнительные CSS-классы (по ним плашку находят тесты).
        style: дополнительные CSS-свойства (отступы, шрифт).

    Raises:
        ValueError: неизвестный вид.
    """
    if kind not in CALLOUT_KINDS:
        raise ValueError(f"kind: ожидался один из {', '.join(CALLOUT_KINDS)}, получено {kind!r}")
    border, tint = CALLOUT_KINDS[kind]
    classes = " ".join(filter(None, ("cc-callout", f"cc-callout-{kind}", css_class)))
    return (
        f'<div class="{classes}" style="color:inherit;background:{tint};border-left:4px solid {border};'
        f'padding:6px 10px;border-radius:4px;{style}">{body_html}</div>'
    )


def show_html(html_text: str, plain: str) -> None:
    """В Jupyter показывает ``html_text``, вне его (терминал, тесты) печатает ``plain``."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover — без IPython
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(HTML(html_text))
    else:
        print(plain)
