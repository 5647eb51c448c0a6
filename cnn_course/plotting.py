"""Рисунки уроков: сетки чисел с подсветкой, ряды картинок и карт признаков (без pyplot-состояния)."""

from __future__ import annotations

import io

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["CourseFigure", "figure_to_png", "draw_grid", "show_images", "show_predictions", "bar_chart", "new_figure"]


class CourseFigure(Figure):
    """Фигура matplotlib, которая сама показывается в Jupyter картинкой PNG.

    Не связана с pyplot: не копится в памяти ядра и не зависит от ``%matplotlib``.
    """

    def _repr_png_(self) -> bytes:
        return figure_to_png(self, dpi=90)


def new_figure(width: float = 6.0, height: float = 4.0) -> CourseFigure:
    """Новая фигура (:class:`CourseFigure`) заданного размера в дюймах."""
    return CourseFigure(figsize=(width, height), layout="constrained")


def figure_to_png(fig: Figure, dpi: int = 80) -> bytes:
    """PNG-байты фигуры (для виджета ``ipywidgets.Image``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _as_tensor(value, name: str) -> torch.Tensor:
    """Тензор или массив numpy → тензор на CPU; иначе — русская TypeError."""
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.ascontiguousarray(value))
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name}: ожидался torch.Tensor (или массив numpy), получено {type(value).__name__}")
    if value.dtype == torch.bool or value.is_complex():
        raise TypeError(f"{name}: ожидались числа, получен {value.dtype}")
    if value.numel() == 0:
        raise ValueError(f"{name}: пустой тензор формы {tuple(value.shape)}")
    return value.detach().cpu()


def _to_2d(image) -> torch.Tensor:
    """(H, W), (1, H, W) → (H, W); (3, H, W) → (H, W, 3) для imshow."""
    image = _as_tensor(image, "image")
    if image.ndim == 3 and image.shape[0] == 1:
        return image[0]
    if image.ndim == 3 and image.shape[0] == 3:
        return image.permute(1, 2, 0).clamp(0, 1)
    if image.ndim == 2:
        return image
    raise ValueError(f"Ожидалась картинка (H, W), (1, H, W) или (3, H, W), получена форма {tuple(image.shape)}")


def draw_grid(ax, values, highlight=(), color="tab:orange", title=None, fmt="{:g}", cmap="Blues", marker=None) -> None:
    """Рисует сетку чисел (H, W) с подписями в клетках и подсвеченными клетками.

    Args:
        ax: оси matplotlib.
        values: тензор (H, W).
        highlight: клетки (строка, столбец) для рамки.
        color: цвет рамки.
        title: заголовок.
        fmt: формат подписи.
        cmap: палитра фона.
        marker: клетка (строка, столбец), в которой ставится жирная рамка другого цвета.
    """
    values = _as_tensor(values, "values").double()
    if values.ndim != 2:
        raise ValueError(f"values: ожидалась сетка (H, W), получена форма {tuple(values.shape)}")
    if values.numel() > 1024:
        raise ValueError(f"values: сетка {tuple(values.shape)} слишком велика для подписей в клетках (до 1024 клеток)")
    h, w = values.shape
    ax.imshow(values.numpy(), cmap=cmap, vmin=float(values.min()) - 1e-9, vmax=float(values.max()) + 1e-9)
    big = h * w > 100
    lo, hi = float(values.min()), float(values.max())
    for r in range(h):
        for c in range(w):
            v = float(values[r, c])
            dark = hi > lo and (v - lo) / (hi - lo) > 0.6  # на тёмном фоне — белый текст
            ax.text(
                c,
                r,
                fmt.format(round(v, 2)),
                ha="center",
                va="center",
                fontsize=7 if big else 9,
                color="white" if dark else "black",
            )
    for r, c in highlight:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=color, linewidth=2.5))
    if marker is not None:
        r, c = marker
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="crimson", linewidth=3.5))
    ax.set_xticks(range(w))
    ax.set_yticks(range(h))
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=10)


def show_images(
    images, titles=None, ncols: int = 4, cmap: str = "gray", size: float = 2.6, symmetric: bool = False
) -> Figure:
    """Ряд картинок или карт признаков в одной фигуре.

    Args:
        images: последовательность тензоров (H, W), (1, H, W) или (3, H, W), либо тензор
            (K, H, W) — K карт признаков.
        titles: подписи (по одной на картинку).
        ncols: сколько картинок в строке.
        cmap: палитра для одноканальных картинок.
        size: сторона одной картинки в дюймах.
        symmetric: палитра симметрична относительно нуля (удобно для карт со знаком).

    Returns:
        Фигура matplotlib (в Jupyter показывается сама, если стоит последней в ячейке).
    """
    if isinstance(images, torch.Tensor) and images.ndim == 3 and images.shape[0] not in (1, 3):
        images = list(images)
    elif isinstance(images, torch.Tensor):
        images = [images]
    if isinstance(images, (str, bytes)) or not hasattr(images, "__iter__"):
        raise TypeError(f"images: ожидался список картинок или тензор, получено {type(images).__name__}")
    images = list(images)
    if not images:
        raise ValueError("images: список картинок пуст")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols: ожидалось целое число ≥ 1, получено {ncols!r}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"Подписей {len(titles)}, а картинок {len(images)}: их число должно совпадать")
    ncols = max(1, min(ncols, len(images)))
    nrows = (len(images) + ncols - 1) // ncols
    fig = new_figure(size * ncols, size * nrows + (0.3 if titles else 0))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= len(images):
            continue
        img = _to_2d(images[k])
        kwargs = {}
        if img.ndim == 2:
            kwargs["cmap"] = cmap
            if symmetric:
                lim = float(img.abs().max()) or 1.0
                kwargs.update(vmin=-lim, vmax=lim, cmap="RdBu_r")
        ax.imshow(img.numpy(), **kwargs)
        if titles:
            ax.set_title(titles[k], fontsize=9)
    return fig


def show_predictions(
    images: torch.Tensor,
    true: torch.Tensor,
    pred: torch.Tensor,
    order=None,
    n: int = 6,
    title: str | None = None,
    ncols: int = 3,
) -> Figure:
    """Картинки с отмеченными точками: зелёный крестик — правильный ответ, красный кружок — ответ сети.

    Args:
        images: uint8 или float (N, 3, H, W) — картинки.
        true, pred: (N, 2) — точки (x, y) в пикселях: x — столбец, y — строка.
        order: какие картинки показать (индексы, например худшие первыми); по умолчанию 0, 1, 2, …
        n: сколько картинок показать.
        title: общий заголовок.

    Returns:
        Фигура; в подписи — ошибка (расстояние между точками) в пикселях.
    """
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images: ожидался тензор (N, 3, H, W), получено {type(images).__name__}")
    if not (images.ndim == 4 and images.shape[1] == 3):
        raise ValueError(f"images: ожидался тензор (N, 3, H, W), получено {tuple(images.shape)}")
    for name, pts in (("true", true), ("pred", pred)):
        if not isinstance(pts, torch.Tensor):
            raise TypeError(f"{name}: ожидался тензор ({len(images)}, 2) — точки (x, y), получено {type(pts).__name__}")
        if tuple(pts.shape) != (len(images), 2):
            raise ValueError(f"{name}: ожидался тензор ({len(images)}, 2) — точки (x, y), получено {tuple(pts.shape)}")
    errors = (pred.float() - true.float()).norm(dim=1)  # (N,)
    order = torch.arange(len(images)) if order is None else torch.as_tensor(order)
    picks = order[:n].tolist()
    ncols = max(1, min(ncols, len(picks)))
    nrows = (len(picks) + ncols - 1) // ncols
    fig = new_figure(4 * ncols, 2.2 * nrows * 2 + (0.4 if title else 0))
    for k, i in enumerate(picks):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        img = images[i].permute(1, 2, 0)
        ax.imshow(img.numpy() if img.dtype == torch.uint8 else img.clamp(0, 1).numpy())
        ax.plot(*true[i].tolist(), "+", color="lime", markersize=16, markeredgewidth=2)
        ax.plot(*pred[i].tolist(), "o", color="red", fillstyle="none", markersize=12, markeredgewidth=2)
        ax.set_title(f"№ {i}: ошибка {errors[i]:.1f} пикс", fontsize=9)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def bar_chart(results, title: str | None = None) -> Figure:
    """Горизонтальная диаграмма «класс — вероятность» для списка пар ``(имя, вероятность)``."""
    results = list(results)
    if not results:
        raise ValueError("bar_chart: список результатов пуст")
    names = [name for name, _ in results][::-1]
    values = [float(p) for _, p in results][::-1]
    fig = new_figure(6, 0.45 * len(results) + 0.9)
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(names, values, color="#4c72b0")
    ax.set_xlim(0, max(1e-6, max(values)) * 1.15)
    ax.set_xlabel("вероятность")
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:.1%}", va="center", fontsize=9)
    if title:
        ax.set_title(title)
    return fig
