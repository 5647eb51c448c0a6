"""Процедурное рисование картинок с солнцем для урока 4 (PIL + numpy, без файлов-образцов)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from .._validate import check_int, check_real, describe

__all__ = ["SunStyle", "SPRITE_SIZE", "MIN_IMAGE_SIZE", "sun_sprite", "draw_sun_image"]

SPRITE_SIZE = 64  # спрайт солнца 64×64, его центр — пиксель (32, 32)
# центр солнца лежит в [32, size − 32]: при size = 64 он всегда (32, 32) — учить нечему;
# со стороной 128 у него 65 положений по каждой оси
MIN_IMAGE_SIZE = 2 * SPRITE_SIZE
_HALF = SPRITE_SIZE // 2
_DOT_COLORS = ((255, 255, 255), (60, 110, 255), (40, 200, 70), (235, 40, 40))


@dataclass(frozen=True)
class SunStyle:
    """Настройки «сложности» картинок. По умолчанию — как в лекции: солнце одного размера, не закрыто.

    Attributes:
        size: сторона квадратной картинки в пикселях (лекция: 256).
        sun_scale: (min, max) — масштаб радиуса солнца; (1.0, 1.0) — всегда одинаковое.
        occlusion: вероятность того, что облако частично закроет солнце (0 — никогда).
        dots: (min, max) число цветных точек-помех радиусом в один пиксель.
    """

    size: int = 256
    sun_scale: tuple[float, float] = (1.0, 1.0)
    occlusion: float = 0.0
    dots: tuple[int, int] = (20, 100)

    def __post_init__(self) -> None:
        if isinstance(self.size, int) and not isinstance(self.size, bool) and SPRITE_SIZE <= self.size < MIN_IMAGE_SIZE:
            raise ValueError(
                f"size: картинка {self.size}×{self.size} слишком мала — солнце 64×64 почти не может сдвигаться "
                f"(центр лежит в [32, size − 32]), и все метки были бы почти одинаковыми. "
                f"Возьмите size ≥ {MIN_IMAGE_SIZE} (лекция: 256) и уменьшайте картинки уже при чтении: "
                "SunDataset(..., preload=True, size=64)."
            )
        check_int(self.size, "size", minimum=MIN_IMAGE_SIZE)
        if not isinstance(self.sun_scale, (tuple, list)) or len(self.sun_scale) != 2:
            raise TypeError(
                f"sun_scale: ожидалась пара чисел (min, max), например (0.5, 1.0), получено {describe(self.sun_scale)}"
            )
        lo = check_real(self.sun_scale[0], "sun_scale[0]")
        hi = check_real(self.sun_scale[1], "sun_scale[1]")
        object.__setattr__(self, "sun_scale", (lo, hi))
        object.__setattr__(self, "occlusion", check_real(self.occlusion, "occlusion"))
        if not isinstance(self.dots, (tuple, list)) or len(self.dots) != 2:
            raise TypeError(f"dots: ожидалась пара целых (min, max), получено {describe(self.dots)}")
        object.__setattr__(self, "dots", (check_int(self.dots[0], "dots[0]"), check_int(self.dots[1], "dots[1]")))
        if not 0.3 <= lo <= hi <= 1.0:
            raise ValueError(f"sun_scale: ожидалось 0.3 ≤ min ≤ max ≤ 1.0, получено {self.sun_scale!r}")
        if not 0.0 <= self.occlusion <= 1.0:
            raise ValueError(f"occlusion: ожидалась вероятность от 0 до 1, получено {self.occlusion!r}")
        if not 0 <= self.dots[0] <= self.dots[1]:
            raise ValueError(f"dots: ожидалось 0 ≤ min ≤ max, получено {self.dots!r}")
        if self.dots[1] > 100_000:
            raise ValueError(f"dots: не больше 100 000 точек, получено {self.dots!r}")


@lru_cache(maxsize=64)
def sun_sprite(scale: float = 1.0, rotation: int = 0) -> Image.Image:
    """Спрайт солнца RGBA 64×64: жёлтый диск с оранжевым краем и 12 лучей.

    Рисуется аналитически с суперсэмплингом 4×4, поэтому центр масс спрайта — ровно пиксель
    (32, 32) (x = столбец, y = строка). ``rotation`` (0…7) поворачивает лучи, ``scale`` (0.3…1)
    уменьшает солнце.

    Returns:
        ``PIL.Image`` в режиме RGBA размера 64×64.
    """
    sub = 4
    offsets = (np.arange(sub) + 0.5) / sub - 0.5
    grid = np.arange(SPRITE_SIZE, dtype=np.float64) - _HALF
    yy = grid[:, None, None, None] + offsets[None, None, :, None]  # (64, 1, 4, 1)
    xx = grid[None, :, None, None] + offsets[None, None, None, :]  # (1, 64, 1, 4)
    r = np.sqrt(xx**2 + yy**2)
    theta = np.arctan2(yy, xx) + rotation * (math.pi / 48)
    disk_r = 15.0 * scale
    ray_len = 14.0 * scale
    ray = np.maximum(np.cos(12 * theta), 0.0) ** 3
    in_disk = r <= disk_r
    in_ray = (r <= disk_r + 3 + ray_len * ray) & (ray > 0.25)
    alpha = (in_disk | in_ray).mean(axis=(2, 3))  # доля покрытых подпикселей, (64, 64)
    t = np.clip(r / disk_r, 0, 1).mean(axis=(2, 3))
    disk_share = in_disk.mean(axis=(2, 3)) / np.maximum(alpha, 1e-9)
    core = np.array([255.0, 236.0, 70.0])  # жёлтый центр
    rim = np.array([255.0, 170.0, 20.0])  # оранжевый край
    rays = np.array([255.0, 140.0, 0.0])
    disk_color = core + (rim - core) * (t**2)[..., None]
    color = disk_share[..., None] * disk_color + (1 - disk_share[..., None]) * rays
    rgba = np.dstack([color, alpha * 255.0]).round().clip(0, 255).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")


def _vertical_gradient(size: int, top: npt.ArrayLike, bottom: npt.ArrayLike) -> np.ndarray:
    """Вертикальный градиент (size, size, 3) uint8 от цвета ``top`` к цвету ``bottom``."""
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None]
    top = np.asarray(top, dtype=np.float32)
    bottom = np.asarray(bottom, dtype=np.float32)
    rows = (top + (bottom - top) * t).round().clip(0, 255).astype(np.uint8)  # (size, 3)
    return np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (size, size, 3)))


def _background(rng: np.random.Generator, size: int) -> tuple[Image.Image, bool]:
    """Фон: ровное или градиентное голубое небо, изредка ночное небо с «туманностью»."""
    kind = rng.choice(3, p=(0.3, 0.58, 0.12))
    if kind == 2:  # ночь: тёмно-синий фон + размытые цветные пятна из маленькой случайной сетки
        base = _vertical_gradient(size, (8, 10, 40), (25, 20, 70)).astype(np.float32)
        cells = rng.random((6, 6), dtype=np.float32) ** 2
        tint = np.asarray(rng.choice([(120, 60, 160), (60, 90, 170), (160, 70, 120)]), dtype=np.float32)
        small = Image.fromarray((cells * 255).astype(np.uint8), "L").resize((size, size), Image.Resampling.BICUBIC)
        glow = np.asarray(small, dtype=np.float32)[..., None] / 255.0
        img = base + glow * tint * 0.9
        return Image.fromarray(img.clip(0, 255).astype(np.uint8), "RGB"), True
    top = np.array([40, 110, 200]) + rng.integers(-25, 26, 3)
    bottom = top if kind == 0 else np.array([150, 200, 245]) + rng.integers(-25, 26, 3)
    return Image.fromarray(_vertical_gradient(size, top, bottom), "RGB"), False


def _cloud(draw: ImageDraw.ImageDraw, rng: np.random.Generator, cx: float, cy: float, width: float) -> None:
    """Облако: несколько эллипсов, снизу серая тень, сверху белые слои."""
    puffs = int(rng.integers(4, 8))
    xs = cx + rng.uniform(-0.5, 0.5, puffs) * width
    ys = cy + rng.uniform(-0.15, 0.1, puffs) * width
    rs = rng.uniform(0.18, 0.32, puffs) * width
    shade = int(rng.integers(190, 225))
    for x, y, r in zip(xs, ys, rs):
        draw.ellipse((x - r, y - r * 0.7 + 4, x + r, y + r * 0.7 + 4), fill=(shade, shade, shade + 8))
    for x, y, r in zip(xs, ys, rs):
        draw.ellipse((x - r, y - r * 0.7, x + r, y + r * 0.65), fill=(250, 250, 252))


def _bird(draw: ImageDraw.ImageDraw, rng: np.random.Generator, size: int) -> None:
    """Птица — тёмная «галочка» из двух отрезков."""
    x, y = rng.uniform(10, size - 10, 2)
    w = rng.uniform(3, 7)
    color = (40, 40, 50)
    draw.line((x - w, y - w * 0.6, x, y), fill=color, width=1)
    draw.line((x, y, x + w, y - w * 0.6), fill=color, width=1)


def draw_sun_image(rng: np.random.Generator, style: SunStyle = SunStyle()) -> tuple[Image.Image, tuple[int, int]]:
    """Рисует одну картинку и возвращает её вместе с центром солнца.

    Центр солнца (x, y) равномерно выбирается из [32, size − 32] (целые пиксели), поэтому
    спрайт 64×64 всегда целиком внутри картинки. x — столбец, y — строка, начало — левый
    верхний угол.

    Args:
        rng: генератор numpy; одинаковое состояние — одинаковая картинка.
        style: настройки сложности (:class:`SunStyle`).

    Returns:
        ``(image, (x, y))``: ``PIL.Image`` RGB размера size×size и центр солнца в пикселях.

    Raises:
        TypeError: rng не ``numpy.random.Generator`` или style не :class:`SunStyle`.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: ожидался numpy.random.Generator (np.random.default_rng(0)), получено {describe(rng)}")
    if not isinstance(style, SunStyle):
        raise TypeError(f"style: ожидался SunStyle, получено {describe(style)}")
    size = style.size
    img, night = _background(rng, size)
    draw = ImageDraw.Draw(img)
    if not night:
        for _ in range(int(rng.integers(0, 5))):
            _cloud(draw, rng, rng.uniform(0, size), rng.uniform(0, size), rng.uniform(40, 110))
        for _ in range(int(rng.integers(0, 5))):
            _bird(draw, rng, size)
    x, y = (int(v) for v in rng.integers(_HALF, size - _HALF + 1, 2))
    scale = float(rng.uniform(*style.sun_scale)) if style.sun_scale[0] < style.sun_scale[1] else style.sun_scale[0]
    sprite = sun_sprite(round(scale, 2), int(rng.integers(0, 8)))
    img.paste(sprite, (x - _HALF, y - _HALF), sprite)
    if style.occlusion > 0 and rng.random() < style.occlusion:
        angle = rng.uniform(0, 2 * math.pi)
        _cloud(draw, rng, x + 26 * math.cos(angle), y + 26 * math.sin(angle), rng.uniform(40, 60))
    n_dots = int(rng.integers(style.dots[0], style.dots[1] + 1))
    pts = rng.integers(1, size - 1, (n_dots, 2))
    colors = rng.integers(0, len(_DOT_COLORS), n_dots)
    for (px, py), c in zip(pts.tolist(), colors.tolist()):
        draw.ellipse((px - 1, py - 1, px + 1, py + 1), fill=_DOT_COLORS[c])
    return img, (x, y)
