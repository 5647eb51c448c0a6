"""Набор картинок с фигурами для классификации (урок 6): создаётся в памяти за секунды, без диска.

Шесть классов — круг, кольцо, квадрат, треугольник, крест, полумесяц. У каждой картинки свои
положение, размер и поворот фигуры, цвета фигуры и фона, шум и (с вероятностью ``occlusion``)
прямоугольник-помеха, который может закрыть часть фигуры. Поэтому маленькая сеть не угадывает
всё: круг легко спутать с полумесяцем или кольцом, если помеха закрыла их край.

Формат: картинки — uint8-тензор (N, 3, H, W) со значениями 0–255, метки — int64-тензор (N,) с
номерами классов 0–5 (имена — ``SHAPE_CLASSES[label]``). Классы поровну: их число у разных классов
отличается не больше чем на 1. Одно и то же ``seed`` даёт те же картинки на любой машине
(генератор ``torch.Generator`` на CPU).
"""

from __future__ import annotations

import math

import torch

from ._validate import check_int, check_real

__all__ = ["SHAPE_CLASSES", "make_shapes"]

SHAPE_CLASSES: tuple[str, ...] = ("круг", "кольцо", "квадрат", "треугольник", "крест", "полумесяц")

_CHUNK = 2048  # картинок за один проход: память (CHUNK, H, W) float32 на класс, а не N × H × W


def _uniform(gen: torch.Generator, n: int, low: float, high: float) -> torch.Tensor:
    return torch.rand(n, 1, 1, generator=gen) * (high - low) + low  # (n, 1, 1) — по числу на картинку


def _masks(u: torch.Tensor, v: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """Маски всех классов: u, v — координаты в системе фигуры (n, H, W), radius (n, 1, 1) → (K, n, H, W)."""
    r = torch.sqrt(u * u + v * v)
    # треугольник с описанной окружностью радиуса R: три полуплоскости на расстоянии R/2 от центра
    tri = torch.ones_like(u, dtype=torch.bool)
    for k in range(3):
        phi = -math.pi / 2 + 2 * math.pi * k / 3
        tri &= u * math.cos(phi) + v * math.sin(phi) <= radius / 2
    arm = 0.3 * radius  # полуширина перекладины креста
    return torch.stack(
        [
            r <= radius,  # круг
            (r <= radius) & (r >= 0.55 * radius),  # кольцо
            torch.maximum(u.abs(), v.abs()) <= 0.8 * radius,  # квадрат
            tri,  # треугольник
            ((u.abs() <= arm) & (v.abs() <= radius)) | ((v.abs() <= arm) & (u.abs() <= radius)),  # крест
            (r <= radius) & ((u - 0.5 * radius) ** 2 + v * v > (0.85 * radius) ** 2),  # полумесяц
        ]
    )


def _render(labels: torch.Tensor, size: int, noise: float, occlusion: float, gen: torch.Generator) -> torch.Tensor:
    """Рисует картинки для меток (n,) → float32 (n, 3, size, size) в [0, 1]."""
    n = len(labels)
    coords = torch.arange(size, dtype=torch.float32) + 0.5
    ys, xs = coords.view(1, size, 1), coords.view(1, 1, size)
    cx, cy = _uniform(gen, n, 0.3 * size, 0.7 * size), _uniform(gen, n, 0.3 * size, 0.7 * size)
    radius = _uniform(gen, n, 0.18 * size, 0.34 * size)
    angle = _uniform(gen, n, 0.0, 2 * math.pi)
    u = (xs - cx) * torch.cos(angle) + (ys - cy) * torch.sin(angle)  # (n, size, size)
    v = -(xs - cx) * torch.sin(angle) + (ys - cy) * torch.cos(angle)
    shape = _masks(u, v, radius)[labels, torch.arange(n)]  # (n, size, size): маска своего класса
    background = torch.rand(n, 3, 1, 1, generator=gen)
    # цвет фигуры отличается от фона в каждом канале хотя бы на 0,3 (по кругу цветов)
    color = (background + torch.rand(n, 3, 1, 1, generator=gen) * 0.4 + 0.3) % 1.0
    img = torch.where(shape.unsqueeze(1), color, background)  # (n, 3, size, size)
    # помеха: прямоугольник случайного цвета со сторонами 15–35 % картинки
    occluded = torch.rand(n, generator=gen) < occlusion
    w, h = _uniform(gen, n, 0.15 * size, 0.35 * size), _uniform(gen, n, 0.15 * size, 0.35 * size)
    ox, oy = _uniform(gen, n, 0.0, size) - w / 2, _uniform(gen, n, 0.0, size) - h / 2
    box = (xs >= ox) & (xs < ox + w) & (ys >= oy) & (ys < oy + h) & occluded.view(n, 1, 1)
    img = torch.where(box.unsqueeze(1), torch.rand(n, 3, 1, 1, generator=gen), img)
    sigma = torch.rand(n, 1, 1, 1, generator=gen) * noise  # своя сила шума у каждой картинки
    img = img + sigma * torch.randn(img.shape, generator=gen)
    return img.clamp_(0.0, 1.0)


def make_shapes(
    n: int, seed: int = 0, size: int = 32, *, noise: float = 0.12, occlusion: float = 0.5
) -> tuple[torch.Tensor, torch.Tensor]:
    """Создаёт в памяти набор картинок с фигурами шести классов (``SHAPE_CLASSES``).

    Классы поровну и в случайном порядке; всё определяется ``seed``: те же аргументы — те же
    картинки и метки. Обучающую и проверочную части берите с разными ``seed``.

    Args:
        n: число картинок (≥ 1).
        seed: зерно генератора (целое ≥ 0).
        size: сторона картинки в пикселях, H = W = size (16–256).
        noise: наибольшее стандартное отклонение гауссова шума в долях яркости (0–1); у каждой
            картинки своё, от 0 до ``noise``.
        occlusion: доля картинок с прямоугольником-помехой (0–1).

    Returns:
        Пара ``(images, labels)``: images — uint8 (N, 3, size, size), labels — int64 (N,) с
        номерами классов 0–5.

    Raises:
        TypeError: ``n``, ``seed`` или ``size`` — не целые числа; ``noise``, ``occlusion`` — не числа.
        ValueError: значение вне допустимых границ.
    """
    n = check_int(n, "n", minimum=1, maximum=1_000_000)
    seed = check_int(seed, "seed", minimum=0, maximum=2**63 - 1)
    size = check_int(size, "size", minimum=16, maximum=256)
    noise = check_real(noise, "noise", minimum=0.0, maximum=1.0)
    occlusion = check_real(occlusion, "occlusion", minimum=0.0, maximum=1.0)
    gen = torch.Generator().manual_seed(seed)
    k = len(SHAPE_CLASSES)
    labels = (torch.arange(n) % k)[torch.randperm(n, generator=gen)]  # поровну, в случайном порядке
    images = torch.empty(n, 3, size, size, dtype=torch.uint8)
    for start in range(0, n, _CHUNK):
        part = _render(labels[start : start + _CHUNK], size, noise, occlusion, gen)
        images[start : start + _CHUNK] = (part * 255).round_().to(torch.uint8)
    return images, labels.to(torch.int64)
