"""Пулинг (подвыборка) своими руками: Max/Min/Average циклами и слои MinPool1d/2d/3d."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._validate import as_tuple, check_bool, check_choice, check_tensor, describe
from .sizes import pool_output_size

__all__ = ["POOL_MODES", "pool2d_naive", "MinPool1d", "MinPool2d", "MinPool3d"]

POOL_MODES = ("max", "min", "avg")


def _pool_args(
    x: object, kernel_size: object, stride: object, padding: object
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, int]]:
    """Проверка аргументов пулинга; возвращает (k, s, p, (H', W'))."""
    x = check_tensor(x, "x", 4, "(N, C, H, W)")
    if x.shape[2] == 0 or x.shape[3] == 0:
        raise ValueError(
            f"x: пустая картинка — высота или ширина 0 (форма {tuple(x.shape)}); окна состояли бы "
            "только из дополнения, в них нечего выбирать"
        )
    k = as_tuple(kernel_size, 2, "kernel_size", minimum=1)
    s = k if stride is None else as_tuple(stride, 2, "stride", minimum=1)
    p = as_tuple(padding, 2, "padding", minimum=0)
    for ki, pi in zip(k, p):
        if 2 * pi > ki:
            raise ValueError(
                f"padding должен быть не больше половины окна: padding={p}, kernel_size={k}. "
                "Иначе найдутся окна целиком из дополнения — в них нечего выбирать (PyTorch это тоже запрещает)."
            )
    h, w = x.shape[2] + 2 * p[0], x.shape[3] + 2 * p[1]
    if k[0] > h or k[1] > w:
        raise ValueError(
            f"Окно пулинга {k[0]}×{k[1]} больше входа: вход {x.shape[2]}×{x.shape[3]}, "
            f"с дополнением {h}×{w}. Уменьшите kernel_size."
        )
    return k, s, p, ((h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1)


def pool2d_naive(
    x: torch.Tensor,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    mode: str = "max",
) -> torch.Tensor:
    """Пулинг циклами: в каждом окне берём максимум, минимум или среднее.

    Та же семантика, что у ``F.max_pool2d`` / ``F.avg_pool2d`` (``ceil_mode=False``): шаг по
    умолчанию равен окну; дополнение для max — −∞, для min — +∞ (они никогда не выбираются),
    для avg — нули, которые учитываются в среднем (``count_include_pad=True``, как в PyTorch).

    Args:
        x: вход (N, C, H, W).
        kernel_size: размер окна, число или пара.
        stride: шаг, число или пара; None — равен kernel_size.
        padding: дополнение с каждой стороны, не больше половины окна.
        mode: ``'max'``, ``'min'`` или ``'avg'``.

    Returns:
        Тензор (N, C, H', W'), ``H' = (H + 2·padding - kernel_size) // stride + 1``.
        Число каналов не меняется: пулинг работает с каждым каналом отдельно.

    Raises:
        TypeError, ValueError: неверный тензор, режим, размеры; окно больше дополненного входа;
            padding больше половины окна.
    """
    check_choice(mode, "mode", POOL_MODES)
    (kh, kw), (sh, sw), (ph, pw), (out_h, out_w) = _pool_args(x, kernel_size, stride, padding)
    fill = {"max": float("-inf"), "min": float("inf"), "avg": 0.0}[mode]
    x_pad = F.pad(x, (pw, pw, ph, ph), value=fill)  # (N, C, H + 2ph, W + 2pw)
    n_batch, channels = x.shape[:2]
    out = x.new_empty((n_batch, channels, out_h, out_w))  # (N, C, H', W')
    for n in range(n_batch):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    window = x_pad[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    if mode == "max":
                        out[n, c, i, j] = window.max()
                    elif mode == "min":
                        out[n, c, i, j] = window.min()
                    else:
                        out[n, c, i, j] = window.sum() / (kh * kw)
    return out


class _MinPoolNd(nn.Module):
    """Общая часть MinPool1d/2d/3d: минимум по окну.

    Для вещественных тензоров ``min_pool(x) = −max_pool(−x)``. Для целых так нельзя: у uint8
    ``−x`` переполняется (−200 → 56), у int8 ``−(−128) = −128``. Поэтому для целых берётся
    побитовое «не»: ``~x`` (для знаковых ``−x − 1``, для беззнаковых ``max − x``) тоже переворачивает
    порядок, но никогда не переполняется: ``min_pool(x) = ~max_pool(~x)``.
    """

    _dims = 0
    _max_pool: Callable[..., Any]  # F.max_pool1d/2d/3d — задают подклассы

    def __init__(
        self,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] | None = None,
        padding: int | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        n = self._dims
        k = as_tuple(kernel_size, n, "kernel_size", minimum=1)
        s = k if stride is None else as_tuple(stride, n, "stride", minimum=1)
        p = as_tuple(padding, n, "padding", minimum=0)
        d = as_tuple(dilation, n, "dilation", minimum=1)
        for ki, pi in zip(k, p):
            if 2 * pi > ki:
                raise ValueError(
                    f"{type(self).__name__}: padding должен быть не больше половины окна, получено "
                    f"padding={padding}, kernel_size={kernel_size}. Иначе найдутся окна целиком из дополнения."
                )
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = check_bool(return_indices, "return_indices")
        self.ceil_mode = check_bool(ceil_mode, "ceil_mode")
        self._k, self._s, self._p, self._d = k, s, p, d

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """(N, C, *spatial) или (C, *spatial) → то же число измерений с уменьшенными spatial."""
        name, n = type(self).__name__, self._dims
        layout = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}[n]
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name}: ожидался torch.Tensor формы {layout}, получено {describe(x)}")
        if x.ndim not in (n + 1, n + 2):
            raise ValueError(
                f"{name}: ожидался тензор с {n + 2} измерениями {layout} (с батчем) или {n + 1} (без батча), "
                f"получена форма {tuple(x.shape)}"
            )
        if x.dtype == torch.bool or x.is_complex():
            raise TypeError(f"{name}: минимум не определён для типа {x.dtype}; преобразуйте x.float()")
        spatial = tuple(x.shape[-n:])
        for size, ki, si, pi, di in zip(spatial, self._k, self._s, self._p, self._d):
            try:
                pool_output_size(size, ki, si, pi, di, self.ceil_mode)
            except ValueError as err:
                raise ValueError(
                    f"{name}: вход {tuple(x.shape)} не подходит к окну {self.kernel_size}: {err}"
                ) from None
        integer = not x.is_floating_point()
        flipped = ~x if integer else -x
        if n == 1 and integer:  # max_pool1d не умеет целые: считаем тем же 2-D пулингом по (1, L)
            res = F.max_pool2d(  # type: ignore[call-overload]  # return_indices — bool, а не Literal
                flipped.unsqueeze(-2),
                (1,) + self._k,
                (1,) + self._s,
                (0,) + self._p,
                (1,) + self._d,
                ceil_mode=self.ceil_mode,
                return_indices=self.return_indices,
            )
            res = tuple(r.squeeze(-2) for r in res) if self.return_indices else res.squeeze(-2)
        else:
            res = type(self)._max_pool(
                flipped,
                self._k,
                self._s,
                self._p,
                self._d,
                ceil_mode=self.ceil_mode,
                return_indices=self.return_indices,
            )
        if self.return_indices:
            values, indices = res
            return (~values if integer else -values), indices
        return ~res if integer else -res

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MinPool1d(_MinPoolNd):
    """Минимум по окну для сигнала (N, C, L) → (N, C, L'); аргументы как у ``nn.MaxPool1d``."""

    _dims = 1
    _max_pool = staticmethod(F.max_pool1d)


class MinPool2d(_MinPoolNd):
    """Минимум по окну для картинки (N, C, H, W) → (N, C, H', W'); аргументы как у ``nn.MaxPool2d``."""

    _dims = 2
    _max_pool = staticmethod(F.max_pool2d)


class MinPool3d(_MinPoolNd):
    """Минимум по окну для объёма (N, C, D, H, W) → (N, C, D', H', W'); аргументы как у ``nn.MaxPool3d``."""

    _dims = 3
    _max_pool = staticmethod(F.max_pool3d)
