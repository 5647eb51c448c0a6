"""Рисунки уроков: сетки чисел с подсветкой, ряды картинок и карт признаков (без pyplot-состояния)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter, ScalarFormatter

from .formatting import MINUS, fmt, fmt_percent

__all__ = [
    "CourseFigure",
    "figure_to_png",
    "render_png",
    "display_size",
    "draw_grid",
    "cell_label",
    "text_color",
    "show_images",
    "show_predictions",
    "bar_chart",
    "percent_text",
    "new_figure",
]

CSS_DPI = 96  # дюйм рисунка обозревателя = 96 CSS-пикселей: 9 pt на рисунке = 9 pt в тексте урока
LESSON_DPI = 90  # рисунки в выводе ячеек уроков (их размеры в дюймах подобраны под 90 точек)
DENSITY = 2  # PNG рисуется с вдвое большим числом точек: цифры чёткие на любом экране


def russian_number_text(text: str) -> str:
    """Подпись числа по-русски: запятая вместо точки, «−» вместо дефиса, без «−0» (ноль без знака).

    ``'-0.50'`` → ``'−0,50'``; ``'-0.00'`` → ``'0,00'``; ``'-0'`` → ``'0'``.
    """
    text = text.replace("-", MINUS).replace(".", ",")
    if text.startswith(MINUS) and not any(ch in "123456789" for ch in text):
        text = text[1:]
    return text


class RussianTickFormatter(ScalarFormatter):
    """Подписи делений по-русски: десятичная запятая, знак «−» и без смещения оси вида «+2.0275e4»."""

    def __init__(self) -> None:
        super().__init__(useOffset=False, useMathText=False)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return russian_number_text(super().__call__(x, pos))


class _RussianPercent(PercentFormatter):
    """Проценты на оси по-русски: «12,5 %» (запятая, неразрывный пробел перед знаком)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return russian_number_text(super().__call__(x, pos)).replace("%", "\u00a0%")


def _russian_ticks(fig: Figure) -> None:
    """Заменяет стандартные подписи делений (ScalarFormatter) русскими на всех осях фигуры."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(RussianTickFormatter())


class CourseFigure(Figure):
    """Фигура matplotlib, которая сама показывается в Jupyter картинкой PNG.

    Не связана с pyplot: не копится в памяти ядра и не зависит от ``%matplotlib``. PNG рисуется
    с плотностью ``DENSITY`` (вдвое больше точек), а в метаданных указан размер в CSS-пикселях —
    JupyterLab показывает рисунок в натуральную величину, чётко и без растяжения. Подписи делений —
    с десятичной запятой и без смещения оси.
    """

    def draw(self, renderer: RendererBase) -> None:
        _russian_ticks(self)
        return super().draw(renderer)

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        png, (width, height) = render_png(self, css_dpi=LESSON_DPI)
        return png, {"width": width, "height": height}


def new_figure(width: float = 6.0, height: float = 4.0) -> CourseFigure:
    """Новая фигура (:class:`CourseFigure`) заданного размера в дюймах."""
    return CourseFigure(figsize=(width, height), layout="constrained")


def display_size(figsize: Sequence[float] | np.ndarray, css_dpi: float = CSS_DPI) -> tuple[int, int]:
    """Размер рисунка на экране в CSS-пикселях: (ширина, высота) в дюймах × ``css_dpi``, с округлением."""
    width, height = (float(v) for v in figsize)
    if not (width > 0 and height > 0 and css_dpi > 0):
        raise ValueError(f"figsize, css_dpi: ожидались положительные числа, получено {tuple(figsize)}, {css_dpi}")
    return round(width * css_dpi), round(height * css_dpi)


def render_png(fig: Figure, css_dpi: float = CSS_DPI, density: int = DENSITY) -> tuple[bytes, tuple[int, int]]:
    """PNG фигуры с плотностью ``density`` и размер, в котором её показывать (CSS-пиксели).

    В PNG ``density`` × размер точек по каждой оси: на обычном экране в CSS-пикселе две точки,
    на экране высокой чёткости — одна; растягивать картинку не приходится.
    """
    return figure_to_png(fig, dpi=css_dpi * density), display_size(fig.get_size_inches(), css_dpi)


def figure_to_png(fig: Figure, dpi: float = CSS_DPI * DENSITY) -> bytes:
    """PNG-байты фигуры с разрешением ``dpi`` (по умолчанию — для показа с плотностью 2×)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _as_tensor(value: object, name: str) -> torch.Tensor:
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


def _to_2d(image: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(H, W), (1, H, W) → (H, W); (3, H, W) → (H, W, 3) для imshow."""
    image = _as_tensor(image, "image")
    if image.ndim == 3 and image.shape[0] == 1:
        return image[0]
    if image.ndim == 3 and image.shape[0] == 3:
        return image.permute(1, 2, 0).clamp(0, 1)
    if image.ndim == 2:
        return image
    raise ValueError(f"Ожидалась картинка (H, W), (1, H, W) или (3, H, W), получена форма {tuple(image.shape)}")


def text_color(rgba: Iterable[float]) -> str:
    """Цвет подписи на клетке цвета ``rgba``: белый на тёмном фоне, чёрный на светлом.

    Решает яркость (относительная яркость по WCAG) самого цвета клетки, а не знак или величина
    числа — так подпись читается и на расходящейся палитре (PiYG тёмная с обоих концов).
    """
    channels = []
    for v in tuple(rgba)[:3]:
        v = float(v)
        channels.append(v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    # порог 0,179: при нём контраст с чёрным и с белым одинаков
    return "white" if luminance < 0.179 else "black"


def cell_label(value: float, fmt: str = "{:g}") -> str:
    """Подпись числа в клетке: округление до 2 знаков, десятичная запятая, «−», без «−0»."""
    return russian_number_text(fmt.format(round(float(value), 2) + 0.0))


def draw_grid(
    ax: Axes,
    values: torch.Tensor | np.ndarray,
    highlight: Iterable[tuple[int, int]] = (),
    color: str = "tab:orange",
    title: str | None = None,
    fmt: str = "{:g}",
    cmap: str = "Blues",
    marker: tuple[int, int] | None = None,
) -> None:
    """Рисует сетку чисел (H, W) с подписями в клетках и подсвеченными клетками.

    Подписи — по-русски (:func:`cell_label`), их цвет выбирается по яркости клетки
    (:func:`text_color`).

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
    image = ax.imshow(values.numpy(), cmap=cmap, vmin=float(values.min()) - 1e-9, vmax=float(values.max()) + 1e-9)
    big = h * w > 100
    for r in range(h):
        for c in range(w):
            v = float(values[r, c])
            ax.text(
                c,
                r,
                cell_label(v, fmt),
                ha="center",
                va="center",
                fontsize=7 if big else 9,
                color=text_color(image.cmap(image.norm(v))),  # type: ignore[arg-type]  # norm принимает и число
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


def contrast_limits(image: torch.Tensor | np.ndarray, symmetric: bool = False) -> tuple[float, float]:
    """Границы палитры (vmin, vmax) для одноканальной карты; бледная карта растягивается.

    Если 1 % самых ярких и самых тёмных точек занимают больше половины диапазона (у карт Собеля
    и лапласиана почти все значения около нуля) или почти вся карта одного оттенка (карта после
    ReLU почти чёрная), границы — 1-й и 99-й процентили, иначе — минимум и максимум.
    ``symmetric``: границы ±L, симметричные относительно нуля.
    """
    flat = _as_tensor(image, "image").double().flatten()
    flat = flat[torch.isfinite(flat)]
    if flat.numel() == 0:
        return 0.0, 1.0
    if symmetric:
        full = float(flat.abs().max())
        robust = float(torch.quantile(flat.abs(), 0.99)) if flat.numel() <= 16_000_000 else full
        lim = robust if 0 < robust < 0.5 * full else full
        return -(lim or 1.0), lim or 1.0
    lo, hi = float(flat.min()), float(flat.max())
    if flat.numel() <= 16_000_000 and hi > lo:
        q_lo, q_hi = (float(q) for q in torch.quantile(flat, torch.tensor([0.01, 0.99], dtype=flat.dtype)))
        dim = float(((flat - lo) / (hi - lo)).std()) < 0.12  # почти всё одного оттенка (ReLU-карта)
        if q_lo < q_hi and (q_hi - q_lo < 0.5 * (hi - lo) or dim):
            return q_lo, q_hi
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def wrap_title(title: object, width_inches: float, fontsize: float = 9) -> str:
    """Переносит подпись по словам, чтобы она не выходила за картинку шириной ``width_inches``."""
    import textwrap

    chars = max(8, int(width_inches * 72 / (0.7 * fontsize)))  # с запасом: средняя буква ≈ 0,6 кегля
    return "\n".join(textwrap.wrap(str(title), chars, break_long_words=False)) or str(title)


def show_images(
    images: torch.Tensor | Iterable[torch.Tensor | np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    cmap: str = "gray",
    size: float = 2.6,
    symmetric: bool = False,
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
    if titles:
        titles = [wrap_title(t, size) for t in titles]
    lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles else 0
    fig = new_figure(size * ncols, size * nrows + 0.22 * lines * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= len(images):
            continue
        img = _to_2d(images[k])
        kwargs: dict[str, Any] = {}
        if img.ndim == 2:
            vmin, vmax = contrast_limits(img, symmetric)
            kwargs.update(cmap="RdBu_r" if symmetric else cmap, vmin=vmin, vmax=vmax)
        ax.imshow(img.numpy(), **kwargs)
        if titles:
            ax.set_title(titles[k], fontsize=9)
    return fig


def clamp_point(point: Iterable[float], width: int, height: int) -> tuple[tuple[float, float], bool]:
    """Точка (x, y), прижатая к картинке width×height, и флаг «была за краем».

    Необученная сеть может ответить и (−40, 300): маркер ставится на край картинки, а не теряется.
    """
    x, y = (float(v) for v in point)
    cx, cy = min(max(x, 0.0), width - 1.0), min(max(y, 0.0), height - 1.0)
    return (cx, cy), (cx, cy) != (x, y)


def show_predictions(
    images: torch.Tensor,
    true: torch.Tensor,
    pred: torch.Tensor,
    order: Sequence[int] | torch.Tensor | None = None,
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
        h, w = img.shape[:2]
        (tx, ty), _ = clamp_point(true[i].tolist(), w, h)
        (px, py), outside = clamp_point(pred[i].tolist(), w, h)
        # clip_on=False: кружок у края картинки виден целиком, а не дугой в углу
        ax.plot(tx, ty, "+", color="lime", markersize=16, markeredgewidth=2, clip_on=False)
        ax.plot(px, py, "o", color="red", fillstyle="none", markersize=12, markeredgewidth=2, clip_on=False)
        note = ", ответ за краем" if outside else ""
        ax.set_title(f"№ {i}: ошибка {fmt(float(errors[i]), 1)} пикс.{note}", fontsize=9)
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def percent_text(share: float) -> str:
    """Вероятность в процентах для подписей: «12,5 %», а меньше 1 % — с двумя знаками («0,28 %»)."""
    return fmt_percent(share, 1 if abs(float(share)) >= 0.01 else 2)


def bar_chart(results: Iterable[tuple[str, float]], title: str | None = None) -> Figure:
    """Горизонтальная диаграмма «класс — вероятность» для списка пар ``(имя, вероятность)``."""
    results = list(results)
    if not results:
        raise ValueError("bar_chart: список результатов пуст")
    names = [name for name, _ in results][::-1]
    values = [float(p) for _, p in results][::-1]
    fig = new_figure(6, 0.45 * len(results) + 0.9)
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(names, values, color="#4c72b0")
    ax.set_xlim(0, max(1e-6, max(values)) * 1.25)
    ax.set_xlabel("вероятность")
    # проценты и на оси, и в подписях: «0,1 %», а не доли 0.0014
    top = max(values)
    decimals = 0 if top >= 0.05 else (1 if top >= 0.005 else 2)
    ax.xaxis.set_major_formatter(_RussianPercent(xmax=1.0, decimals=decimals))
    for y, v in enumerate(values):
        ax.text(v, y, " " + percent_text(v), va="center", fontsize=9)
    if title:
        ax.set_title(title)
    return fig
