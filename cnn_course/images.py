"""Картинки для уроков: фотография из matplotlib, перевод в оттенки серого, маленькие сетки чисел."""

from __future__ import annotations

import numpy as np
import torch
from matplotlib import cbook
from PIL import Image

from ._validate import check_int, check_tensor

__all__ = ["load_photo", "to_grayscale", "integer_grid"]


def load_photo(size: int | None = 256, gray: bool = False) -> torch.Tensor:
    """Фотография Грейс Хоппер, которая поставляется с matplotlib (работает без сети).

    Args:
        size: сторона квадрата после центрального кадрирования и уменьшения; None — исходник
            (600×512).
        gray: вернуть один канал (яркость) вместо RGB.

    Returns:
        Тензор float32 в [0, 1] формы (3, H, W) или (1, H, W) при ``gray=True``.
    """
    with cbook.get_sample_data("grace_hopper.jpg") as fp:
        img = Image.open(fp).convert("RGB")
        img.load()
    if size is not None:
        size = check_int(size, "size", minimum=8)
        w, h = img.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 4  # кадр чуть выше центра — лицо целиком
        img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)  # (3, H, W)
    x = x.contiguous()
    return to_grayscale(x) if gray else x


def to_grayscale(image: torch.Tensor) -> torch.Tensor:
    """Переводит RGB (3, H, W) или батч (N, 3, H, W) в яркость (1, H, W) / (N, 1, H, W).

    Яркость = 0.299·R + 0.587·G + 0.114·B (стандарт ITU-R BT.601).
    """
    if not isinstance(image, torch.Tensor) or image.ndim not in (3, 4):
        got = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"Ожидалась картинка (3, H, W) или батч (N, 3, H, W), получено {got}")
    image = check_tensor(image, "image", image.ndim, "(3, H, W)")
    channel_dim = image.ndim - 3
    if image.shape[channel_dim] != 3:
        raise ValueError(
            f"Ожидалось 3 канала (RGB), получено {image.shape[channel_dim]} "
            f"в тензоре формы {tuple(image.shape)}"
        )
    coeffs = torch.tensor([0.299, 0.587, 0.114], dtype=image.dtype).view(3, 1, 1)
    return (image * coeffs).sum(dim=channel_dim, keepdim=True)


def integer_grid(height: int = 6, width: int = 6, low: int = 0, high: int = 9, seed: int = 0) -> torch.Tensor:
    """Маленькая «картинка» из целых чисел для ручных вычислений.

    Returns:
        Тензор float32 (height, width) со значениями от ``low`` до ``high`` включительно.
    """
    gen = torch.Generator().manual_seed(check_int(seed, "seed"))
    height = check_int(height, "height", minimum=1)
    width = check_int(width, "width", minimum=1)
    return torch.randint(low, high + 1, (height, width), generator=gen).float()
