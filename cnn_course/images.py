"""Картинки для уроков: фотография из matplotlib, перевод в оттенки серого, маленькие сетки чисел."""

from __future__ import annotations

import numpy as np
import torch
from matplotlib import cbook
from PIL import Image

from ._validate import check_bool, check_image_size, check_int, check_tensor, describe

__all__ = ["load_photo", "to_grayscale", "integer_grid", "pil_to_rgb"]

# режимы PIL с 16/32-битными целыми: их значения 0…65535 переводятся в 0…255 делением на 257
_WIDE_INT_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N")


def pil_to_rgb(img: Image.Image, what: str = "картинка") -> Image.Image:
    """Любая картинка PIL → RGB 8 бит; размер проверяется по заголовку ДО декодирования.

    ``Image.open`` ленив: пиксели читаются только при ``load()``/``convert()``, поэтому сначала
    смотрим на ``img.size`` — картинка 20000×1 или 30000×30000 отклоняется сразу, без гигабайтов
    памяти. Режимы: L, LA, P (палитра, в том числе с прозрачностью), RGBA (прозрачное — на белом
    фоне), CMYK, YCbCr и т. п. — через ``convert``; 16-битные серые (I;16, I) — МАСШТАБИРУЮТСЯ
    (65535 → 255), а не обрезаются; вещественные (F) отклоняются.

    Raises:
        TypeError: не ``PIL.Image``.
        ValueError: пустая, слишком большая или вытянутая картинка; неподдерживаемый режим.
    """
    if not isinstance(img, Image.Image):
        raise TypeError(f"{what}: ожидалась картинка PIL.Image, получено {describe(img)}")
    check_image_size(*img.size, what)
    mode = img.mode
    if mode == "RGB":
        return img.convert("RGB")
    if mode in _WIDE_INT_MODES:
        arr = np.asarray(img, dtype=np.float64)
        scaled = np.clip(np.round(arr / 257.0), 0, 255).astype(np.uint8)  # 0…65535 → 0…255
        return Image.fromarray(scaled, "L").convert("RGB")
    if mode == "F":
        raise ValueError(f"{what}: картинка с вещественными пикселями (режим F) не поддерживается; "
                         "сохраните её как обычный PNG или JPEG (8 или 16 бит)")
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def load_photo(size: int | None = 256, gray: bool = False) -> torch.Tensor:
    """Фотография Грейс Хоппер, которая поставляется с matplotlib (работает без сети).

    Args:
        size: сторона квадрата после центрального кадрирования и уменьшения; None — исходник
            (600×512).
        gray: вернуть один канал (яркость) вместо RGB.

    Returns:
        Тензор float32 в [0, 1] формы (3, H, W) или (1, H, W) при ``gray=True``.

    Raises:
        TypeError: size не целое и не None, gray не bool.
        ValueError: size вне [8, 4096].
    """
    if size is not None:
        size = check_int(size, "size", minimum=8, maximum=4096)
    gray = check_bool(gray, "gray")
    with cbook.get_sample_data("grace_hopper.jpg") as fp:
        img = Image.open(fp).convert("RGB")
        img.load()
    if size is not None:
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

    Raises:
        TypeError: не тензор или не вещественный (uint8 сначала переведите: x.float() / 255).
        ValueError: не 3 или 4 измерения, не 3 канала.
    """
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"image: ожидалась картинка torch.Tensor (3, H, W) или батч (N, 3, H, W), "
                        f"получено {describe(image)}")
    if image.ndim not in (3, 4):
        raise ValueError(f"image: ожидалась картинка (3, H, W) или батч (N, 3, H, W), получена форма "
                         f"{tuple(image.shape)}")
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

    Raises:
        TypeError: не целые числа.
        ValueError: размеры вне [1, 1000], low > high, seed < 0.
    """
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0, maximum=2**63 - 1))
    height = check_int(height, "height", minimum=1, maximum=1000)
    width = check_int(width, "width", minimum=1, maximum=1000)
    low = check_int(low, "low", minimum=-(2**31), maximum=2**31 - 1)
    high = check_int(high, "high", minimum=low, maximum=2**31 - 1)
    return torch.randint(low, high + 1, (height, width), generator=gen).float()
