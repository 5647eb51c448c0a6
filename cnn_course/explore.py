"""Чистая логика интерактивных виджетов: что показать при данных значениях ползунков."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, SupportsFloat

import torch

from ._validate import check_choice, check_int, check_real, check_tensor, describe
from .conv import KERNEL_NAMES, classic_kernel, conv2d_im2col, same_padding
from .formatting import fmt
from .pooling import POOL_MODES, pool2d_naive
from .sizes import conv_output_size, effective_kernel, pool_output_size

MAX_EXPLORER_KERNEL = 15  # больше ядра на рисунке не разобрать

__all__ = [
    "small_grid",
    "ConvStep",
    "conv_step",
    "explorer_kernel",
    "PoolStep",
    "pool_step",
    "ShapeRow",
    "shape_table",
    "LAYER_KINDS",
    "preset_name",
    "short_number",
]


def small_grid(image: torch.Tensor, name: str, max_side: int, where: str) -> torch.Tensor:
    """Проверяет маленькую сетку чисел (H, W) для обозревателя или анимации; возвращает её в float64 на CPU.

    Args:
        image: тензор (H, W) с конечными числами (не bool, не комплексные).
        name: имя параметра в сообщении.
        max_side: наибольшая сторона — каждая клетка подписана числом.
        where: «обозревателя», «анимации» — для сообщения о размере.

    Raises:
        TypeError: не тензор; bool или комплексные числа.
        ValueError: не (H, W), пустая, больше max_side×max_side, NaN или бесконечность.
    """
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"{name}: ожидался тензор (H, W) — маленькая сетка чисел, получено {describe(image)}")
    check_tensor(image, name, 2, "(H, W)", floating=False, nonempty=True)
    if image.dtype == torch.bool or image.is_complex():
        raise TypeError(f"{name}: ожидались числа, получен {image.dtype}")
    if max(image.shape) > max_side:
        raise ValueError(
            f"{name}: сетка {tuple(image.shape)} слишком велика для {where} (до {max_side}×{max_side}: "
            f"каждая клетка подписана числом); возьмите кусок, например {name.split(': ')[-1]}[:6, :6]"
        )
    image = image.detach().cpu().double()
    if not torch.isfinite(image).all():
        raise ValueError(f"{name}: в сетке есть NaN или бесконечность — в клетках нужны обычные числа")
    return image


def explorer_kernel(size: int) -> torch.Tensor:
    """Пример ядра (size, size) из чисел −1, 0, 1 для обозревателя свёртки: ``w[u, v] = (u + 2v) mod 3 − 1``.

    Raises:
        TypeError: не целое число.
        ValueError: size вне [1, 15].
    """
    size = check_int(size, "kernel_size", minimum=1, maximum=MAX_EXPLORER_KERNEL)
    u = torch.arange(size).view(-1, 1)
    v = torch.arange(size).view(1, -1)
    return ((u + 2 * v) % 3 - 1).float()


@dataclass(frozen=True)
class ConvStep:
    """Один шаг свёртки: окно в позиции (row, col) выхода и всё, что из него следует.

    Attributes:
        padded: вход после дополнения нулями (H + 2p, W + 2p).
        kernel: ядро (KH, KW).
        bias: смещение.
        output: вся карта признаков (H', W').
        row, col: позиция выхода, для которой показан расчёт.
        window: клетки окна в координатах ``padded`` (строка, столбец), по строкам ядра.
        terms: пары (вес, значение входа) — слагаемые суммы.
        z: значение выхода в (row, col).
        pad: дополнение (сверху, слева).
    """

    padded: torch.Tensor
    kernel: torch.Tensor
    bias: float
    output: torch.Tensor
    row: int
    col: int
    window: tuple[tuple[int, int], ...]
    terms: tuple[tuple[float, float], ...]
    z: float
    pad: tuple[int, int]

    @property
    def out_size(self) -> tuple[int, int]:
        """(H', W') — размер карты признаков."""
        return self.output.shape[0], self.output.shape[1]

    def formula(self) -> str:
        """Формула с подставленными числами: ``z = w·x + ... + b = значение``."""
        parts = [f"{_num(w)}·{_num(x)}" for w, x in self.terms]
        return f"z[{self.row},{self.col}] = " + " + ".join(parts) + f" + {_num(self.bias)} = {short_number(self.z)}"


def _num(v: float) -> str:
    """Слагаемое формулы по-русски: 0,5; отрицательное — в скобках со знаком «−»: (−1)."""
    text = short_number(v)
    return f"({text})" if text.startswith("−") else text


def conv_step(
    image: torch.Tensor,
    kernel: torch.Tensor,
    bias: float = 0.0,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    row: int = 0,
    col: int = 0,
) -> ConvStep:
    """Считает свёртку картинки (H, W) одним ядром (KH, KW) и расписывает одну позицию выхода.

    Args:
        image: вход (H, W).
        kernel: ядро (KH, KW).
        bias: смещение.
        stride, padding, dilation: целые числа (одинаковые по обеим осям).
        row, col: позиция выхода; если она вне карты, берётся ближайшая допустимая.

    Returns:
        :class:`ConvStep`.

    Raises:
        ValueError: конфигурация невозможна (ядро больше дополненного входа и т. п.) —
            сообщение по-русски из :func:`cnn_course.conv.conv2d_naive`.
    """
    image = check_tensor(image, "image", 2, "(H, W)", floating=False, nonempty=True)
    kernel = check_tensor(kernel, "kernel", 2, "(KH, KW)", floating=False, nonempty=True)
    if image.dtype == torch.bool or image.is_complex() or kernel.dtype == torch.bool or kernel.is_complex():
        raise TypeError(f"image, kernel: ожидались числовые тензоры, получено {image.dtype} и {kernel.dtype}")
    image, kernel = image.double(), kernel.double()
    bias = check_real(bias, "bias")
    stride = check_int(stride, "stride", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    row = check_int(row, "row")
    col = check_int(col, "col")
    if isinstance(padding, str):
        if padding.strip().lower() not in ("same", "valid"):
            raise ValueError(f"padding: ожидалось целое число ≥ 0, 'same' или 'valid', получено {describe(padding)}")
        padding = padding.strip().lower()
    if padding == "same":
        (top, _), (left, _) = same_padding(kernel.shape[0], dilation), same_padding(kernel.shape[1], dilation)
    elif padding == "valid":
        top = left = 0
    else:
        try:
            top = left = check_int(padding, "padding", minimum=0)
        except TypeError:
            raise TypeError(
                f"padding: ожидалось целое число ≥ 0, 'same' или 'valid', получено {describe(padding)}"
            ) from None
    # быстрая свёртка (то же, что conv2d_naive, — проверено тестами) — ползунки не ждут циклов
    out = conv2d_im2col(
        image[None, None],
        kernel[None, None],
        torch.tensor([bias], dtype=torch.float64),
        stride=stride,
        padding=padding,
        dilation=dilation,
    )[0, 0]  # (H', W')
    h_img, w_img = image.shape
    kh, kw = kernel.shape
    eh, ew = effective_kernel(kh, dilation), effective_kernel(kw, dilation)
    padded = torch.zeros(
        max(h_img + 2 * top, (out.shape[0] - 1) * stride + eh),
        max(w_img + 2 * left, (out.shape[1] - 1) * stride + ew),
        dtype=torch.float64,
    )
    padded[top : top + h_img, left : left + w_img] = image
    row = min(max(row, 0), out.shape[0] - 1)
    col = min(max(col, 0), out.shape[1] - 1)
    window, terms = [], []
    for u in range(kh):
        for v in range(kw):
            r, c = row * stride + u * dilation, col * stride + v * dilation
            window.append((r, c))
            terms.append((float(kernel[u, v]), float(padded[r, c])))
    return ConvStep(
        padded, kernel, float(bias), out, row, col, tuple(window), tuple(terms), float(out[row, col]), (top, left)
    )


@dataclass(frozen=True)
class PoolStep:
    """Один шаг пулинга: окно выхода (row, col), его клетки и выбранное значение.

    Attributes:
        output: карта после пулинга (H', W').
        window: клетки окна во входе (строка, столбец).
        chosen: клетки, откуда взято значение (для max/min — одна, для avg — все клетки окна).
        value: значение выхода в (row, col).
    """

    output: torch.Tensor
    row: int
    col: int
    window: tuple[tuple[int, int], ...]
    chosen: tuple[tuple[int, int], ...]
    value: float

    @property
    def out_size(self) -> tuple[int, int]:
        return self.output.shape[0], self.output.shape[1]


def pool_step(
    image: torch.Tensor, kernel_size: int = 2, stride: int | None = None, mode: str = "max", row: int = 0, col: int = 0
) -> PoolStep:
    """Пулинг картинки (H, W) и разбор одного окна (без дополнения).

    Args:
        image: вход (H, W).
        kernel_size, stride: целые числа (одинаковые по обеим осям); stride=None — как окно.
        mode: 'max', 'min' или 'avg'.
        row, col: позиция выхода; вне карты берётся ближайшая допустимая.

    Raises:
        TypeError: не тензор, не целые числа.
        ValueError: окно больше входа, неизвестный режим — по-русски из :func:`pool2d_naive`.
    """
    image = check_tensor(image, "image", 2, "(H, W)", floating=False, nonempty=True)
    if image.dtype == torch.bool or image.is_complex():
        raise TypeError(f"image: ожидался числовой тензор, получено {image.dtype}")
    image = image.double()
    check_choice(mode, "mode", POOL_MODES)
    k = check_int(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else check_int(stride, "stride", minimum=1)
    row, col = check_int(row, "row"), check_int(col, "col")
    out = pool2d_naive(image[None, None], k, s, 0, mode)[0, 0]  # (H', W')
    row = min(max(row, 0), out.shape[0] - 1)
    col = min(max(col, 0), out.shape[1] - 1)
    window = tuple((row * s + u, col * s + v) for u in range(k) for v in range(k))
    values = [float(image[r, c]) for r, c in window]
    if mode == "avg":
        chosen = window
    else:
        best = max(values) if mode == "max" else min(values)
        chosen = (window[values.index(best)],)
    return PoolStep(out, row, col, window, chosen, float(out[row, col]))


LAYER_KINDS = ("none", "conv", "maxpool", "avgpool")  # "none" — в этой строке слоя нет


@dataclass(frozen=True)
class ShapeRow:
    """Строка калькулятора форм: описание слоя, форма после него или ошибка."""

    label: str
    shape: tuple[int, ...] | None
    error: str | None = None


def shape_table(size: int, channels: int, layers: Iterable[Mapping[str, Any]]) -> list[ShapeRow]:
    """Формы тензора (1, C, H, W) после каждого слоя стопки — по формулам, без запуска сети.

    Args:
        size: сторона квадратного входа H = W.
        channels: число каналов входа.
        layers: последовательность словарей ``{"kind": "conv"|"maxpool"|"avgpool"|"none",
            "kernel_size": k, "stride": s, "padding": p, "out_channels": c}``;
            слои с ``kind="none"`` пропускаются.

    Returns:
        Строки :class:`ShapeRow`; первая — вход. На первом невозможном слое строка получает
        ``error`` (по-русски), и дальше таблица не идёт.
    """
    size = check_int(size, "size", minimum=1)
    channels = check_int(channels, "channels", minimum=1)
    if isinstance(layers, (str, bytes, dict)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers: ожидался список словарей-слоёв, получено {describe(layers)}")
    rows = [ShapeRow("вход", (1, channels, size, size))]
    for i, layer in enumerate(layers, start=1):
        if not isinstance(layer, dict):
            raise TypeError(
                f"layers[{i - 1}]: ожидался словарь {{'kind': ..., 'kernel_size': ...}}, получено {describe(layer)}"
            )
        kind = layer.get("kind")
        check_choice(kind, f"layers[{i - 1}]['kind']", LAYER_KINDS)
        if kind == "none":
            continue
        need = ("kernel_size", "stride", "padding") + (("out_channels",) if kind == "conv" else ())
        missing = [key for key in need if key not in layer]
        if missing:
            raise ValueError(f"layers[{i - 1}]: нет ключей {missing} для слоя {kind!r}; нужны {list(need)}")
        k, s, p = layer["kernel_size"], layer["stride"], layer["padding"]
        if kind == "conv":
            out_channels = check_int(layer["out_channels"], f"layers[{i - 1}]['out_channels']", minimum=1)
            label = f"{i}. Conv2d({channels}, {out_channels}, kernel_size={k}, stride={s}, padding={p})"
        else:
            name = "MaxPool2d" if kind == "maxpool" else "AvgPool2d"
            label = f"{i}. {name}(kernel_size={k}, stride={s}, padding={p})"
        try:
            if kind == "conv":
                size = conv_output_size(size, k, s, p)
                channels = out_channels
            else:
                size = pool_output_size(size, k, s, p)
        except ValueError as err:
            rows.append(ShapeRow(label, None, str(err)))
            break
        rows.append(ShapeRow(label, (1, channels, size, size)))
    return rows


def preset_name(kernel: torch.Tensor) -> str:
    """Имя классического ядра 3×3, совпадающего с ``kernel`` (до 1e-6), или ``'custom'`` — «своё ядро».

    Редактор ядра показывает его в списке «готовое ядро», когда веса меняют вручную.
    """
    kernel = check_tensor(kernel, "kernel", 2, "(3, 3)", floating=False, nonempty=True)
    if tuple(kernel.shape) != (3, 3):
        return "custom"
    kernel = kernel.double()
    for name in KERNEL_NAMES:
        if torch.allclose(kernel, classic_kernel(name, torch.float64), atol=1e-6, rtol=0):
            return name
    return "custom"


def short_number(value: SupportsFloat) -> str:
    """Число для подписи обозревателя: целое — как есть, дробное — с двумя знаками (``6,44``), без «−0»."""
    value = float(value)
    if value.is_integer():
        return fmt(int(value))
    return fmt(value, 2)
