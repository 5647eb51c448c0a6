"""Формулы размера выхода свёртки и пулинга — то, чему учит курс, на нижнем этаже пакета.

Отсюда их берут ``shapes`` (трассировка форм), ``pooling``, ``conv``, ``explore`` и упражнения;
сам модуль зависит только от проверок аргументов.
"""

from __future__ import annotations

from ._validate import check_bool, check_choice, check_int

__all__ = ["effective_kernel", "window_count", "conv_output_size", "pool_output_size"]


def effective_kernel(kernel_size: int, dilation: int = 1) -> int:
    """Сколько клеток входа занимает ядро с дилатацией: ``dilation·(kernel_size − 1) + 1``."""
    return dilation * (kernel_size - 1) + 1


def window_count(padded_size: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> int:
    """Единственная формула выхода свёртки (её зовут conv.py, explore.py и :func:`conv_output_size`).

    Сколько положений ядра (с дилатацией) умещается во входе длины ``padded_size`` (уже с
    дополнением) при шаге ``stride``: ``(padded_size − dilation·(kernel_size − 1) − 1) // stride + 1``;
    0 — если ядро длиннее входа.
    """
    effective = effective_kernel(kernel_size, dilation)
    if effective > padded_size:
        return 0
    return (padded_size - effective) // stride + 1


def _same_stride_message(stride: int | tuple[int, ...]) -> str:
    return (
        f"padding='same' в PyTorch работает только при stride=1, получено stride={stride}. "
        "Сам по себе «same» с шагом возможен (в Keras/TensorFlow он даёт выход ⌈H / stride⌉, "
        "дополняя нужным числом нулей), но F.conv2d и nn.Conv2d такое сочетание не поддерживают. "
        "Задайте padding числом, например padding=(kernel_size − 1) // 2."
    )


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int | str = 0, dilation: int = 1) -> int:
    """Размер выхода свёртки по одной оси (как у ``nn.Conv1d/2d/3d``).

    ``out = (size + 2·padding - dilation·(kernel_size - 1) - 1) // stride + 1``

    Ядро с дилатацией занимает ``dilation·(kernel_size - 1) + 1`` клеток; столько
    позиций сдвига «влезает» в дополненный вход при шаге ``stride``.

    Args:
        size: длина входа по оси (H, W, L или D).
        kernel_size: размер ядра.
        stride: шаг.
        padding: число нулей с каждой стороны, ``'valid'`` (0) или ``'same'`` (выход = вход,
            только при stride=1 — как в PyTorch).
        dilation: дилатация.

    Returns:
        Длина выхода по оси.

    Raises:
        TypeError: не целые числа, неизвестный тип padding.
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
                raise ValueError(_same_stride_message(stride))
            return size
        padding = 0
    padding = check_int(padding, "padding", minimum=0)
    out = window_count(size + 2 * padding, kernel_size, stride, dilation)
    if out == 0:
        raise ValueError(
            f"Выход пуст: ядро с дилатацией занимает {effective_kernel(kernel_size, dilation)} клеток "
            f"(kernel_size={kernel_size}, dilation={dilation}), а вход с дополнением "
            f"{size} + 2·{padding} = {size + 2 * padding}. Уменьшите ядро или увеличьте padding."
        )
    return out


def pool_output_size(
    size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Размер выхода пулинга по одной оси (как у ``nn.MaxPool1d/2d/3d``, ``nn.AvgPool1d/2d``).

    ``out = floor_or_ceil((size + 2·padding - dilation·(kernel_size - 1) - 1) / stride) + 1``;
    шаг по умолчанию равен размеру окна. При ``ceil_mode=True`` последнее неполное окно
    учитывается, но только если оно начинается внутри входа или левого дополнения — поэтому
    даже окно длиннее входа (2 клетки, окно 3) даёт один выход, как в PyTorch.

    Raises:
        TypeError: не целые числа, ``ceil_mode`` не bool.
        ValueError: выход пуст или ``padding > kernel_size / 2`` (PyTorch это запрещает).
    """
    size = check_int(size, "size", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    stride = kernel_size if stride is None else check_int(stride, "stride", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    dilation = check_int(dilation, "dilation", minimum=1)
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    if 2 * padding > kernel_size:
        raise ValueError(
            f"padding должен быть не больше половины окна: padding={padding}, "
            f"kernel_size={kernel_size} (допустимо padding ≤ {kernel_size // 2})"
        )
    effective = effective_kernel(kernel_size, dilation)
    # та же формула, что в PyTorch (pooling_output_shape): деление с округлением вниз
    numerator = size + 2 * padding - effective + (stride - 1 if ceil_mode else 0)
    out = numerator // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # последнее окно начиналось бы в правом дополнении
    if out < 1:
        raise ValueError(
            f"Выход пуст: окно занимает {effective} клеток (kernel_size={kernel_size}, dilation={dilation}), "
            f"а вход с дополнением — {size + 2 * padding}. Уменьшите окно или включите ceil_mode=True."
        )
    return out
