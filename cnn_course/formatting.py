"""Числа и слова для печати по правилам русской типографики.

- десятичная запятая: ``fmt(2.5, 1) == '2,5'``;
- числа из пяти и более цифр делятся на группы узким неразрывным пробелом (U+202F):
  ``fmt(138357544) == '138 357 544'``, а четырёхзначные — нет: ``fmt(4096) == '4096'``;
- минус — знак «−» (U+2212), а не дефис;
- единица отделяется неразрывным пробелом (U+00A0): ``fmt(9.4, 1, 'с') == '9,4 с'``;
- согласование с числом: ``plural(2, 'клетка', 'клетки', 'клеток') == 'клетки'``.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["THIN_NBSP", "NBSP", "fmt", "fmt_percent", "plural", "count_words"]

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


def fmt(value, digits: int | None = None, unit: str | None = None) -> str:
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


def fmt_percent(share, digits: int = 0) -> str:
    """Доля как проценты: ``fmt_percent(0.743) == '74 %'`` (с неразрывным пробелом перед «%»)."""
    if hasattr(share, "item") and callable(share.item):
        share = share.item()
    if isinstance(share, bool) or not isinstance(share, numbers.Real):
        raise TypeError(f"share: ожидалась доля (число), получено {share!r} (тип {type(share).__name__})")
    return fmt(float(share) * 100, digits, "%")


def plural(n, one: str, few: str, many: str) -> str:
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


def count_words(n, one: str, few: str, many: str) -> str:
    """Число и согласованное слово: ``count_words(2, 'клетка', 'клетки', 'клеток') == '2 клетки'``."""
    return f"{fmt(n)}{NBSP}{plural(n, one, few, many)}"
