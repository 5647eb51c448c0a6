"""Чистая логика интерактивных виджетов: что показать при данных значениях ползунков."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._validate import check_int, check_tensor
from .conv import conv2d_naive, same_padding

__all__ = ["ConvStep", "conv_step", "explorer_kernel"]


def explorer_kernel(size: int) -> torch.Tensor:
    """Пример ядра (size, size) из чисел −1, 0, 1 для обозревателя свёртки: ``w[u, v] = (u + 2v) mod 3 − 1``."""
    size = check_int(size, "kernel_size", minimum=1)
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
    window: tuple
    terms: tuple
    z: float
    pad: tuple

    @property
    def out_size(self) -> tuple[int, int]:
        """(H', W') — размер карты признаков."""
        return tuple(self.output.shape)

    def formula(self) -> str:
        """Формула с подставленными числами: ``z = w·x + ... + b = значение``."""
        parts = [f"{_num(w)}·{_num(x)}" for w, x in self.terms]
        return f"z[{self.row},{self.col}] = " + " + ".join(parts) + f" + {_num(self.bias)} = {_num(self.z)}"


def _num(v: float) -> str:
    v = round(float(v), 3)
    text = f"{v:g}"
    return f"({text})" if v < 0 else text


def conv_step(image, kernel, bias=0.0, stride=1, padding=0, dilation=1, row=0, col=0) -> ConvStep:
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
    image = check_tensor(image, "image", 2, "(H, W)").double()
    kernel = check_tensor(kernel, "kernel", 2, "(KH, KW)").double()
    stride = check_int(stride, "stride", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    if padding == "same":
        (top, _), (left, _) = same_padding(kernel.shape[0], dilation), same_padding(kernel.shape[1], dilation)
    else:
        top = left = check_int(padding, "padding", minimum=0)
    out = conv2d_naive(image[None, None], kernel[None, None], torch.tensor([float(bias)], dtype=torch.float64),
                       stride=stride, padding=padding, dilation=dilation)[0, 0]  # (H', W')
    h_img, w_img = image.shape
    kh, kw = kernel.shape
    eh, ew = dilation * (kh - 1) + 1, dilation * (kw - 1) + 1
    padded = torch.zeros(max(h_img + 2 * top, (out.shape[0] - 1) * stride + eh),
                         max(w_img + 2 * left, (out.shape[1] - 1) * stride + ew), dtype=torch.float64)
    padded[top:top + h_img, left:left + w_img] = image
    row = min(max(int(row), 0), out.shape[0] - 1)
    col = min(max(int(col), 0), out.shape[1] - 1)
    window, terms = [], []
    for u in range(kh):
        for v in range(kw):
            r, c = row * stride + u * dilation, col * stride + v * dilation
            window.append((r, c))
            terms.append((float(kernel[u, v]), float(padded[r, c])))
    return ConvStep(padded, kernel, float(bias), out, row, col, tuple(window), tuple(terms),
                    float(out[row, col]), (top, left))
