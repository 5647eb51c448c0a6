"""Анимации скользящего окна, которые играют без запущенного Python: в JupyterLab и в HTML-книге.

Кадры строят те же чистые функции, что и обозреватели (:func:`cnn_course.explore.conv_step`,
:func:`cnn_course.explore.pool_step`), рисует их :func:`cnn_course.plotting.draw_grid`, а кадры
складываются в анимированный WebP (без потерь; его показывают все современные браузеры).
В Jupyter объект показывается картинкой ``<img class="cc-animation">`` с подписью — обычный
HTML, без JavaScript и без виджетов, поэтому анимация играет и там, где ползунки застыли
(книга курса, блокнот, сохранённый с выводами).

Пример::

    cc.animate_conv(size=5, kernel_size=3, stride=2, padding=1)
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import torch
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch, Rectangle
from PIL import Image

from ._validate import check_int, check_real
from .explore import ConvStep, PoolStep, conv_step, explorer_kernel, pool_step, short_number, small_grid
from .formatting import plural
from .images import integer_grid
from .plotting import draw_grid, new_figure
from .pooling import POOL_MODES

__all__ = ["Animation", "conv_frames", "pool_frames", "animate_conv", "animate_pool"]

MAX_SIDE = 12  # больше клеток на кадре не прочесть
MAX_FRAMES = 100  # 100 кадров по 0,7 с — уже больше минуты
DENSITY = 2  # кадр рисуется в 2 раза плотнее, чем показывается: цифры чёткие на любом экране
_POOL_NAMES = {"max": "max", "min": "min", "avg": "среднее"}  # на кадре: max(…) = …
_POOL_TITLES = {"max": "Max-пулинг", "min": "Min-пулинг", "avg": "Усредняющий пулинг"}  # в подписи


@dataclass(frozen=True, repr=False)
class Animation:
    """Готовая анимация: кадры WebP и подпись.

    Attributes:
        webp: байты анимированного WebP без потерь (бесконечный повтор).
        frames: число кадров (положений окна).
        width, height: размер показа в CSS-пикселях; сами кадры в ``DENSITY`` раз крупнее.
        caption: подпись под анимацией (по-русски).
    """

    webp: bytes
    frames: int
    width: int
    height: int
    caption: str

    def __repr__(self) -> str:
        return f"<Анимация: {self.caption}>"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.webp).decode("ascii")
        return (
            '<figure class="cc-figure" style="margin: 0.5em 0">'
            f'<img class="cc-animation" src="data:image/webp;base64,{data}" width="{self.width}" '
            f'height="{self.height}" style="max-width: 100%; height: auto" alt="{html.escape(self.caption)}">'
            f'<figcaption style="font-size: 90%">{html.escape(self.caption)}</figcaption></figure>'
        )


def _grid(image: torch.Tensor | None, size: int, seed: int, name: str = "image") -> torch.Tensor:
    """Сетка чисел (H, W) для анимации: переданная или целые числа из :func:`integer_grid`."""
    if image is None:
        size = check_int(size, "size", minimum=1, maximum=MAX_SIDE)
        return integer_grid(size, size, seed=check_int(seed, "seed", minimum=0)).double()
    return small_grid(image, name, MAX_SIDE, "анимации")


def _check_frames(count: int) -> None:
    if count > MAX_FRAMES:
        raise ValueError(
            f"Положений окна {count} — слишком много для анимации (до {MAX_FRAMES}); уменьшите вход или увеличьте шаг"
        )


def conv_frames(
    image: torch.Tensor,
    kernel: torch.Tensor,
    bias: float = 0.0,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> list[ConvStep]:
    """Все положения окна свёртки по порядку (строка за строкой): по :class:`ConvStep` на кадр.

    Args:
        image: вход (H, W).
        kernel: ядро (KH, KW).
        bias, stride, padding, dilation: как у :func:`cnn_course.explore.conv_step`.

    Returns:
        Список длины H'·W' — столько значений в карте признаков (H', W').

    Raises:
        ValueError: невозможная конфигурация (ядро больше дополненного входа).
    """
    first = conv_step(image, kernel, bias, stride, padding, dilation)
    h_out, w_out = first.out_size
    return [
        conv_step(image, kernel, bias, stride, padding, dilation, row=r, col=c)
        for r in range(h_out)
        for c in range(w_out)
    ]


def pool_frames(
    image: torch.Tensor, kernel_size: int = 2, stride: int | None = None, mode: str = "max"
) -> list[PoolStep]:
    """Все положения окна пулинга по порядку: по :class:`PoolStep` на кадр (вход (H, W), без дополнения)."""
    first = pool_step(image, kernel_size, stride, mode)
    h_out, w_out = first.out_size
    return [pool_step(image, kernel_size, stride, mode, row=r, col=c) for r in range(h_out) for c in range(w_out)]


def _frame_ms(frame_ms: object) -> int:
    return check_int(frame_ms, "frame_ms", minimum=100, maximum=5000)


def _render(
    fig: Figure,
    animated: Sequence[Artist],
    draw_frame: Callable[[int], None],
    count: int,
    frame_ms: int,
    dpi: float,
) -> tuple[bytes, int, int]:
    """Рисует кадры и склеивает их в анимированный WebP.

    Неподвижное (сетки чисел, подписи) рисуется один раз; на каждом кадре поверх копии фона
    рисуются только ``animated`` — рамки окна, заплатки и строка формулы.

    Returns:
        (байты WebP, ширина показа, высота показа) — показ в ``DENSITY`` раз меньше кадра.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    for artist in animated:
        artist.set_animated(True)
    canvas.draw()  # раскладка и неподвижный фон
    fig.set_layout_engine("none")
    background = canvas.copy_from_bbox(fig.bbox)
    images = []
    for i in range(count):
        draw_frame(i)
        canvas.restore_region(background)
        for artist in animated:
            if artist.get_visible():
                fig.draw_artist(artist)
        size = canvas.get_width_height()
        images.append(Image.frombuffer("RGBA", size, bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1).convert("RGB"))
    durations = [frame_ms] * count
    durations[-1] = frame_ms * 3  # пауза на готовой карте перед повтором
    out = io.BytesIO()
    # WebP без потерь: кодирует только изменившиеся прямоугольники — в 5–7 раз меньше GIF и без палитры
    images[0].save(
        out, format="WEBP", save_all=True, append_images=images[1:], duration=durations, loop=0, lossless=True, method=2
    )
    width, height = images[0].size
    return out.getvalue(), round(width / DENSITY), round(height / DENSITY)


def _cell_boxes(ax: Axes, cells: Iterable[tuple[int, int]], color: str, width: float) -> list[Rectangle]:
    boxes = []
    for r, c in cells:
        box = Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=color, linewidth=width)
        ax.add_patch(box)
        boxes.append(box)
    return boxes


def _hiders(ax: Axes, shape: tuple[int, int]) -> list[Patch]:
    """Белые заплатки поверх ещё не посчитанных клеток выхода (снимаются по одной за кадр)."""
    h, w = shape
    return [
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white", edgecolor="lightgray", linewidth=0.8))
        for r in range(h)
        for c in range(w)
    ]


def _dpi(fig_width: float, display_width: int) -> float:
    """dpi кадра: фигура fig_width дюймов шириной даёт DENSITY·display_width пикселей."""
    return DENSITY * display_width / fig_width


def animate_conv(
    size: int = 5,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    *,
    image: torch.Tensor | None = None,
    kernel: torch.Tensor | None = None,
    bias: float = 0.0,
    seed: int = 1,
    frame_ms: int = 700,
    width: int = 760,
) -> Animation:
    """Анимация свёртки: окно обходит дополненный вход, карта признаков заполняется клетка за клеткой.

    На каждом кадре: вход с дополнением нулями (пунктир — граница настоящего входа) и окном,
    ядро, карта признаков с текущей клеткой и формула с числами этого положения окна.

    Args:
        size: сторона входа, если ``image`` не задан (иначе не используется): сетка size×size
            целых чисел, до 12.
        kernel_size, stride, padding, dilation: параметры свёртки (одинаковые по обеим осям).
        image: свой вход (H, W) вместо сетки по умолчанию.
        kernel: своё ядро (KH, KW), тогда ``kernel_size`` не используется; по умолчанию — ядро
            из −1, 0, 1, как в обозревателе.
        bias: смещение.
        seed: зерно сетки по умолчанию.
        frame_ms: длительность кадра, мс (100–5000).
        width: ширина показа в CSS-пикселях.

    Returns:
        :class:`Animation` — покажите её, оставив последним выражением в ячейке.

    Raises:
        TypeError: не тензор, не целые числа.
        ValueError: невозможная конфигурация (по-русски, с причиной), слишком большой вход
            или слишком много положений окна.
    """
    image = _grid(image, size, seed)
    if kernel is None:
        kernel = explorer_kernel(kernel_size).double()
    frame_ms = _frame_ms(frame_ms)
    width = check_int(width, "width", minimum=200, maximum=1600)
    bias = check_real(bias, "bias")
    h_out, w_out = conv_step(image, kernel, bias, stride, padding, dilation).out_size
    _check_frames(h_out * w_out)  # до вычисления окон: padding=100 дал бы 42 025 окон впустую
    steps = conv_frames(image, kernel, bias, stride, padding, dilation)
    first = steps[0]
    h, w = image.shape
    kh, kw = first.kernel.shape
    h_out, w_out = first.out_size
    pw = first.padded.shape[1]

    fig_w, fig_h = 9.0, 3.9
    fig = new_figure(fig_w, fig_h)
    ax_in, ax_k, ax_out = fig.subplots(1, 3, width_ratios=[pw, kw + 1, max(w_out, 2)])
    pad_text = f"'{padding}'" if isinstance(padding, str) else str(padding)  # 'same' — в кавычках, как в коде
    draw_grid(ax_in, first.padded, title=f"вход {h}×{w}" + (f", дополнение {pad_text}" if any(first.pad) else ""))
    top, left = first.pad
    if top or left:
        ax_in.add_patch(
            Rectangle((left - 0.5, top - 0.5), w, h, fill=False, edgecolor="gray", linestyle="--", linewidth=1.5)
        )
    kernel_title = f"ядро {kh}×{kw}" + (f", b = {short_number(bias)}" if bias else "")
    draw_grid(ax_k, first.kernel, title=kernel_title, cmap="PiYG")
    draw_grid(ax_out, first.output, title=f"выход {h_out}×{w_out}", cmap="Oranges")
    hiders = _hiders(ax_out, (h_out, w_out))
    window = _cell_boxes(ax_in, first.window, "tab:orange", 2.5)
    current = _cell_boxes(ax_out, [(0, 0)], "crimson", 3.5)[0]
    formula = fig.text(0.5, 0.01, "", ha="center", va="bottom", fontsize=9, family="DejaVu Sans Mono")
    cast(ConstrainedLayoutEngine, fig.get_layout_engine()).set(rect=(0, 0.07, 1, 0.93))  # new_figure: constrained

    def draw_frame(i: int) -> None:
        step = steps[i]
        for box, (r, c) in zip(window, step.window, strict=True):
            box.set_xy((c - 0.5, r - 0.5))
        current.set_xy((step.col - 0.5, step.row - 0.5))
        for j, hider in enumerate(hiders):
            hider.set_visible(j > i)
        formula.set_text(f"положение {i + 1} из {len(steps)}:  {step.formula()}")

    webp, shown_w, shown_h = _render(
        fig, [*window, current, *hiders, formula], draw_frame, len(steps), frame_ms, _dpi(fig_w, width)
    )
    # в подписи — только то, что отличается от обычного: в уроке 1 шаг и дополнение ещё не введены
    extras = [(stride, 1, "шаг"), (pad_text, "0", "дополнение"), (dilation, 1, "дилатация")]
    extra = "".join(f", {name} {value}" for value, usual, name in extras if value != usual and value != "'valid'")
    caption = (
        f"Свёртка: вход {h}×{w}, ядро {kh}×{kw}{extra} → "
        f"выход {h_out}×{w_out}: {len(steps)} {plural(len(steps), 'положение', 'положения', 'положений')} окна."
    )
    return Animation(webp, len(steps), shown_w, shown_h, caption)


def animate_pool(
    size: int = 4,
    kernel_size: int = 2,
    stride: int | None = None,
    mode: str = "max",
    *,
    image: torch.Tensor | None = None,
    seed: int = 3,
    frame_ms: int = 900,
    width: int = 640,
) -> Animation:
    """Анимация пулинга: окно обходит вход, выбранная клетка (max/min) или всё окно (avg) — в рамке.

    Args:
        size: сторона входа (если ``image`` не задан): сетка size×size целых чисел, до 12.
        kernel_size, stride: окно и шаг пулинга; stride=None — как окно.
        mode: 'max', 'min' или 'avg'.
        image: свой вход (H, W).
        seed: зерно сетки по умолчанию.
        frame_ms: длительность кадра, мс (100–5000).
        width: ширина показа в CSS-пикселях.

    Returns:
        :class:`Animation`.

    Raises:
        TypeError, ValueError: как у :func:`cnn_course.explore.pool_step`; слишком большой вход.
    """
    image = _grid(image, size, seed)
    frame_ms = _frame_ms(frame_ms)
    width = check_int(width, "width", minimum=200, maximum=1600)
    h_out, w_out = pool_step(image, kernel_size, stride, mode).out_size
    _check_frames(h_out * w_out)
    steps = pool_frames(image, kernel_size, stride, mode)
    first = steps[0]
    h, w = image.shape
    h_out, w_out = first.out_size
    k = check_int(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else stride
    name = _POOL_NAMES[mode] if mode in POOL_MODES else mode

    fig_w, fig_h = 7.0, 3.9
    fig = new_figure(fig_w, fig_h)
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[w, max(w_out, 2)])
    draw_grid(ax_in, image, title=f"вход {h}×{w}")
    draw_grid(ax_out, first.output, title=f"выход {h_out}×{w_out}", cmap="Oranges", fmt="{:.4g}")
    hiders = _hiders(ax_out, (h_out, w_out))
    window = _cell_boxes(ax_in, [first.window[0]], "tab:orange", 3.0)[0]
    window.set_width(k)
    window.set_height(k)
    chosen = _cell_boxes(ax_in, first.chosen if mode != "avg" else [], "crimson", 3.5)
    current = _cell_boxes(ax_out, [(0, 0)], "crimson", 3.5)[0]
    caption_line = fig.text(0.5, 0.01, "", ha="center", va="bottom", fontsize=10, family="DejaVu Sans Mono")
    cast(ConstrainedLayoutEngine, fig.get_layout_engine()).set(rect=(0, 0.07, 1, 0.93))

    def draw_frame(i: int) -> None:
        step = steps[i]
        r0, c0 = step.window[0]
        window.set_xy((c0 - 0.5, r0 - 0.5))
        for box, (r, c) in zip(chosen, step.chosen if mode != "avg" else [], strict=True):
            box.set_xy((c - 0.5, r - 0.5))
        current.set_xy((step.col - 0.5, step.row - 0.5))
        for j, hider in enumerate(hiders):
            hider.set_visible(j > i)
        values = ", ".join(short_number(image[r, c]) for r, c in step.window)
        caption_line.set_text(f"положение {i + 1} из {len(steps)}:  {name}({values}) = {short_number(step.value)}")

    webp, shown_w, shown_h = _render(
        fig, [window, *chosen, current, *hiders, caption_line], draw_frame, len(steps), frame_ms, _dpi(fig_w, width)
    )
    caption = (
        f"{_POOL_TITLES.get(mode, 'Пулинг')}: вход {h}×{w}, окно {k}×{k}, шаг {s} → выход {h_out}×{w_out}: "
        f"{len(steps)} {plural(len(steps), 'положение', 'положения', 'положений')} окна."
    )
    return Animation(webp, len(steps), shown_w, shown_h, caption)
