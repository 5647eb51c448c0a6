"""Общие проверки аргументов: понятные русские ошибки вместо трассировок из глубин torch."""

from __future__ import annotations

import numbers

import torch

__all__ = ["as_tuple", "check_tensor", "check_choice", "check_int"]


def _describe(value) -> str:
    """Короткое описание значения для сообщения об ошибке."""
    if isinstance(value, torch.Tensor):
        return f"тензор формы {tuple(value.shape)} ({value.dtype})"
    return f"{value!r} (тип {type(value).__name__})"


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """Проверяет, что ``value`` — целое число не меньше ``minimum``, и возвращает его.

    Raises:
        TypeError: если пришло не целое число (bool тоже не принимается).
        ValueError: если число меньше ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: ожидалось целое число, получено {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: ожидалось целое число ≥ {minimum}, получено {value}")
    return value


def as_tuple(value, n: int, name: str, *, minimum: int = 0) -> tuple[int, ...]:
    """Приводит ``value`` (число или последовательность из ``n`` чисел) к кортежу длины ``n``.

    Например, ``as_tuple(3, 2, "stride") == (3, 3)``, ``as_tuple((1, 2), 2, "stride") == (1, 2)``.

    Raises:
        TypeError: если пришло не целое число и не последовательность целых.
        ValueError: если длина не ``n`` или есть число меньше ``minimum``.
    """
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name}: ожидалось одно число или {n} числа, получено {len(value)}: {value!r}"
            )
        return tuple(check_int(v, name, minimum=minimum) for v in value)
    return (check_int(value, name, minimum=minimum),) * n


def check_tensor(x, name: str, ndim: int, layout: str) -> torch.Tensor:
    """Проверяет, что ``x`` — тензор с ``ndim`` измерениями (``layout`` — их смысл, например "(N, C, H, W)").

    Raises:
        TypeError: если ``x`` не тензор или не вещественного типа.
        ValueError: если число измерений не ``ndim``.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: ожидался torch.Tensor формы {layout}, получено {_describe(x)}")
    if x.ndim != ndim:
        hint = ""
        if x.ndim == ndim - 1 and layout.startswith("(N"):
            hint = " Нет измерения батча? Добавьте его: x.unsqueeze(0)."
        raise ValueError(
            f"{name}: ожидался тензор с {ndim} измерениями {layout}, "
            f"получен тензор с {x.ndim} измерениями формы {tuple(x.shape)}.{hint}"
        )
    if not x.is_floating_point():
        raise TypeError(
            f"{name}: ожидался вещественный тензор (float32 или float64), получен {x.dtype}. "
            "Преобразуйте его: x.float()"
        )
    return x


def check_choice(value, name: str, choices) -> str:
    """Проверяет, что ``value`` — одно из ``choices``.

    Raises:
        ValueError: если значение не из списка.
    """
    if value not in choices:
        raise ValueError(f"{name}: ожидалось одно из {list(choices)}, получено {value!r}")
    return value
