"""Правила размеров: формулы выхода свёртки и пулинга, трассировка форм по слоям модели."""

from __future__ import annotations

import math

from ._validate import check_choice, check_int

__all__ = ["conv_output_size", "pool_output_size"]


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1) -> int:
    """Размер выхода свёртки по одной оси (как у ``nn.Conv1d/2d/3d``).

    ``out = (size + 2·padding - dilation·(kernel_size - 1) - 1) // stride + 1``

    Ядро с разрежением занимает ``dilation·(kernel_size - 1) + 1`` клеток; столько
    позиций сдвига «влезает» в дополненный вход при шаге ``stride``.

    Args:
        size: длина входа по оси (H, W, L или D).
        kernel_size: размер ядра.
        stride: шаг.
        padding: число нулей с каждой стороны, ``'valid'`` (0) или ``'same'`` (выход = вход,
            только при stride=1).
        dilation: разрежение.

    Returns:
        Длина выхода по оси.

    Raises:
        ValueError: выход получился бы пустым, отрицательные размеры, ``'same'`` при stride > 1.
    """
    size = check_int(size, "size", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "same":
            if stride != 1:
                raise ValueError(
                    f"padding='same' возможен только при stride=1, получено stride={stride}"
                )
            return size
        padding = 0
    padding = check_int(padding, "padding", minimum=0)
    effective = dilation * (kernel_size - 1) + 1
    if effective > size + 2 * padding:
        raise ValueError(
            f"Выход пуст: ядро с разрежением занимает {effective} клеток "
            f"(kernel_size={kernel_size}, dilation={dilation}), а вход с дополнением "
            f"{size} + 2·{padding} = {size + 2 * padding}"
        )
    return (size + 2 * padding - effective) // stride + 1


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False) -> int:
    """Размер выхода пулинга по одной оси (как у ``nn.MaxPool1d/2d/3d``, ``nn.AvgPool2d``).

    ``out = floor_or_ceil((size + 2·padding - dilation·(kernel_size - 1) - 1) / stride) + 1``;
    шаг по умолчанию равен размеру окна. При ``ceil_mode=True`` последнее неполное окно
    учитывается, но только если оно начинается внутри входа или левого дополнения.

    Raises:
        ValueError: выход пуст или ``padding > kernel_size / 2`` (PyTorch это запрещает).
    """
    size = check_int(size, "size", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    stride = kernel_size if stride is None else check_int(stride, "stride", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    dilation = check_int(dilation, "dilation", minimum=1)
    if 2 * padding > kernel_size:
        raise ValueError(
            f"padding должен быть не больше половины окна: padding={padding}, "
            f"kernel_size={kernel_size} (допустимо padding ≤ {kernel_size // 2})"
        )
    effective = dilation * (kernel_size - 1) + 1
    span = size + 2 * padding - effective
    if span < 0:
        raise ValueError(
            f"Выход пуст: окно занимает {effective} клеток, а вход с дополнением — "
            f"{size + 2 * padding}"
        )
    if ceil_mode:
        out = math.ceil(span / stride) + 1
        # последнее окно должно начинаться внутри входа или левого дополнения
        if (out - 1) * stride >= size + padding:
            out -= 1
    else:
        out = span // stride + 1
    return out
