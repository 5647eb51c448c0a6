"""Картинки: единственное место, где файлы и байты превращаются в пиксели.

Чтение файла (:func:`open_rgb`, :func:`image_size`, :func:`load_image_tensor`) и байтов
(:func:`decode_image`) проходит одни проверки: только обычный файл (не FIFO и не устройство),
размер по заголовку до декодирования, любой режим PIL — в RGB 8 бит (:func:`pil_to_rgb`).
Здесь же фотография для уроков, перевод в оттенки серого и маленькие сетки чисел.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import IO, BinaryIO, cast

import numpy as np
import torch
from matplotlib import cbook
from PIL import Image, UnidentifiedImageError

from ._validate import MAX_IMAGE_SIDE, check_bool, check_image_size, check_int, check_path, check_tensor, describe

__all__ = [
    "load_photo",
    "to_grayscale",
    "integer_grid",
    "pil_to_rgb",
    "open_regular",
    "decode_file",
    "open_rgb",
    "image_size",
    "load_image_tensor",
    "decode_image",
    "downscale",
    "downscale_tensor",
    "MAX_IMAGE_BYTES",
    "MAX_UPLOAD_BYTES",
]

MAX_IMAGE_BYTES = 256 * 2**20  # файл картинки больше 256 МБ не читается
MAX_UPLOAD_BYTES = 64 * 2**20  # загрузка через виджет — до 64 МБ

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
        raise ValueError(
            f"{what}: картинка с вещественными пикселями (режим F) не поддерживается; "
            "сохраните её как обычный PNG или JPEG (8 или 16 бит)"
        )
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def downscale(img: Image.Image, size: int) -> Image.Image:
    """Уменьшает картинку до size×size усреднением (``Image.BOX``) — один способ для обучения и предсказаний."""
    return img.resize((size, size), Image.Resampling.BOX)


def downscale_tensor(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (N, 3, H, W) → uint8 (N, 3, size, size) тем же :func:`downscale`, что и при предзагрузке."""
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.ndim != 4:
        raise TypeError(f"images: ожидался uint8-тензор (N, 3, H, W), получено {describe(images)}")
    out = torch.empty((len(images), images.shape[1], size, size), dtype=torch.uint8)
    for i, img in enumerate(images):
        small = downscale(Image.fromarray(img.permute(1, 2, 0).numpy()), size)
        out[i] = torch.from_numpy(np.array(small)).permute(2, 0, 1)
    return out


def open_regular(
    path: str | Path, what: str, *, inside: str | Path | None = None, max_bytes: int = MAX_IMAGE_BYTES
) -> BinaryIO:
    """Открывает на чтение ОБЫЧНЫЙ файл (не папку, не FIFO, не устройство) — не блокируясь.

    ``inside`` — папка, за пределы которой путь (после раскрытия символических ссылок) не
    должен выходить. Проверка ``S_ISREG`` делается и до, и после открытия (``O_NONBLOCK``:
    именованный канал без писателя не подвешивает ``open``).

    Raises:
        FileNotFoundError: файла нет.
        ValueError: путь вне папки набора, не обычный файл или слишком большой.
    """
    real = os.path.realpath(path)
    if inside is not None:
        base = os.path.realpath(inside)
        if os.path.commonpath([real, base]) != base:
            raise ValueError(
                f"{what}: {path} указывает за пределы папки набора {inside} (символическая ссылка?); "
                "такие файлы не читаются"
            )
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: файл не найден: {path}") from None
    except OSError as err:
        raise ValueError(f"{what}: {path} не читается: {err.strerror or err}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "папка" if stat.S_ISDIR(st.st_mode) else "не обычный файл (канал FIFO, сокет или устройство)"
        raise ValueError(f"{what}: {path} — {kind}; ожидался файл")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as err:
        raise ValueError(f"{what}: {path} не открывается: {err.strerror or err}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{what}: {path} — не обычный файл; ожидался файл")
        if st.st_size > max_bytes:
            raise ValueError(
                f"{what}: {path} занимает {st.st_size / 2**20:.0f} МБ — слишком много "
                f"(допустимо до {max_bytes / 2**20:.0f} МБ)"
            )
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def decode_file(fp: BinaryIO, path: str | Path, size: int | None) -> tuple[Image.Image, tuple[int, int]]:
    """Декодирует открытый файл в RGB (размер проверен до декодирования); возвращает и исходный размер."""
    try:
        with Image.open(fp) as img:
            original = img.size
            rgb = pil_to_rgb(img, f"картинка {path}")
    except Image.DecompressionBombError as err:
        raise ValueError(f"Картинка {path} слишком велика: {err}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as err:
        raise ValueError(f"Картинка {path} повреждена или это не картинка: {err}") from None
    if size is not None and rgb.size != (size, size):
        rgb = downscale(rgb, size)
    return rgb, original


def open_rgb(path: str | Path, size: int | None = None, *, inside: str | Path | None = None) -> Image.Image:
    """Открывает картинку в RGB; ``size`` — уменьшить до size×size усреднением (``Image.BOX``).

    Читается только обычный файл (не FIFO и не устройство), размер проверяется по заголовку
    до декодирования; 16-битные картинки масштабируются в 8 бит (см. :func:`pil_to_rgb`).

    Args:
        path: путь к файлу.
        size: сторона результата или None.
        inside: папка, за пределы которой путь не должен выходить (None — без проверки).

    Raises:
        FileNotFoundError: файла нет.
        ValueError: файл повреждён, не картинка, не обычный файл, слишком большая картинка.
    """
    path = check_path(path, "path")
    if size is not None:
        size = check_int(size, "size", minimum=1, maximum=MAX_IMAGE_SIDE)
    with open_regular(path, "картинка", inside=inside) as fp:
        return decode_file(fp, path, size)[0]


def image_size(path: str | Path, *, inside: str | Path | None = None) -> tuple[int, int]:
    """(ширина, высота) картинки по заголовку файла, без декодирования пикселей.

    Те же проверки, что у :func:`open_rgb`: только обычный файл внутри ``inside``, размер в пределах.

    Raises:
        FileNotFoundError, ValueError: как у :func:`open_rgb`.
    """
    path = check_path(path, "path")
    with open_regular(path, "картинка", inside=inside) as fp:
        try:
            with Image.open(fp) as img:
                w, h = img.size
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, EOFError) as err:
            raise ValueError(f"Картинка {path} повреждена или это не картинка: {err}") from None
    check_image_size(w, h, f"картинка {path}")
    return w, h


def load_image_tensor(path: str | Path, size: int | None = None, *, inside: str | Path | None = None) -> torch.Tensor:
    """Читает картинку (см. :func:`open_rgb`) в uint8-тензор формы (3, H, W)."""
    arr = np.array(open_rgb(path, size, inside=inside))  # (H, W, 3), копия — тензор можно менять
    return torch.from_numpy(arr).permute(2, 0, 1).contiguous()  # (3, H, W)


def decode_image(data: bytes | bytearray | memoryview) -> Image.Image:
    """Байты файла картинки (например, из виджета FileUpload) → ``PIL.Image`` в RGB.

    Размер проверяется по заголовку до декодирования (PNG 20000×1 из 138 байт отклоняется
    сразу); режимы L, RGBA, P, I;16 переводятся в RGB (см. :func:`pil_to_rgb`).

    Raises:
        TypeError: не байты.
        ValueError: байты — не картинка, картинка слишком большая или вытянутая.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data: ожидались байты файла картинки, получено {describe(data)}")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"Файл занимает {len(data) / 2**20:.0f} МБ — слишком много (до {MAX_UPLOAD_BYTES // 2**20} МБ)"
        )
    try:
        with Image.open(io.BytesIO(bytes(data))) as img:
            return pil_to_rgb(img, "картинка")
    except ValueError:
        raise
    except Image.DecompressionBombError as err:
        raise ValueError(f"Картинка слишком велика (похоже на «бомбу» распаковки): {err}") from None
    except Exception as err:
        raise ValueError(f"Это не картинка или формат не поддерживается: {type(err).__name__}: {err}") from None


@torch.no_grad()
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
    with cast(IO[bytes], cbook.get_sample_data("grace_hopper.jpg")) as fp:  # .jpg — файл, не массив
        img = Image.open(fp).convert("RGB")
        img.load()
    if size is not None:
        w, h = img.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 4  # кадр чуть выше центра — лицо целиком
        img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.BILINEAR)
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
        raise TypeError(
            f"image: ожидалась картинка torch.Tensor (3, H, W) или батч (N, 3, H, W), получено {describe(image)}"
        )
    if image.ndim not in (3, 4):
        raise ValueError(
            f"image: ожидалась картинка (3, H, W) или батч (N, 3, H, W), получена форма {tuple(image.shape)}"
        )
    image = check_tensor(image, "image", image.ndim, "(3, H, W)")
    channel_dim = image.ndim - 3
    if image.shape[channel_dim] != 3:
        raise ValueError(
            f"Ожидалось 3 канала (RGB), получено {image.shape[channel_dim]} в тензоре формы {tuple(image.shape)}"
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
