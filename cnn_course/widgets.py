"""Интерактивные виджеты уроков: только создание ползунков и связь с чистыми функциями."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

import ipywidgets as widgets
import torch

from ._validate import check_bool, check_int, check_tensor, describe
from .conv import ACTIVATIONS, KERNEL_NAMES, KERNEL_TITLES, classic_kernel, filter_image
from .explore import (
    LAYER_KINDS,
    conv_step,
    explorer_kernel,
    pool_step,
    preset_name,
    shape_table,
    short_number,
    small_grid,
)
from .formatting import ERROR_COLOR, fmt
from .images import integer_grid, load_photo
from .plotting import bar_chart, contrast_limits, draw_grid, new_figure, render_png

if TYPE_CHECKING:
    import torch.nn as nn
    from matplotlib.figure import Figure
    from PIL import Image
    from torchvision.models import WeightsEnum

__all__ = [
    "Explorer",
    "conv_explorer",
    "kernel_editor",
    "pool_explorer",
    "shape_calculator",
    "image_classifier",
]


# Ползунки и виды обозревателя по именам и его данные (входы и последние результаты, не виджеты).
Controls = dict[str, widgets.ValueWidget]
Views = dict[str, widgets.DOMWidget]
Data = dict[str, Any]
Update = Callable[[Controls, Views, Data], None]


class Explorer(widgets.VBox):
    """Виджет-обозреватель: ``controls`` — ползунки по именам, ``views`` — виджеты, которые он
    показывает, ``data`` — его входные данные и последние результаты (не виджеты).

    Тесты и ученик меняют ``controls[имя].value``; виджет перерисовывается сразу. Чтобы поменять
    несколько ползунков одной перерисовкой, используйте ``with explorer.hold(): ...``.
    """

    def __init__(
        self,
        controls: Controls,
        views: Views,
        children: Sequence[widgets.Widget],
        update: Update,
        name: str = "explorer",
        data: Mapping[str, Any] | None = None,
    ) -> None:
        style = widgets.HTML(_STYLE, layout=widgets.Layout(display="none"))
        super().__init__(children=[style, *children])
        self.controls = controls
        self.views = views
        self.data = dict(data or {})
        # CSS-классы: по ним браузерный тест (и стили) находят обозреватель, ползунки и виды
        self.add_class("cc-explorer")
        self.add_class(f"cc-{name}")
        for key, widget in list(controls.items()) + list(views.items()):
            if isinstance(widget, widgets.DOMWidget):
                widget.add_class(f"cc-{'control' if key in controls else 'view'}-{key}")
        self._update = update
        self._busy = False
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if not self._busy:
            self.refresh()

    def refresh(self) -> None:
        """Пересчитывает и перерисовывает всё по текущим значениям ползунков."""
        self._busy = True
        try:
            self._update(self.controls, self.views, self.data)
        finally:
            self._busy = False

    @contextlib.contextmanager
    def hold(self) -> Iterator[Explorer]:
        """Несколько изменений ползунков — одна перерисовка в конце."""
        self._busy = True
        try:
            yield self
        finally:
            self._busy = False
        self.refresh()


MAX_GRID_SIDE = 16  # сетка чисел больше 16×16 рисуется секунды и не читается


def _grid_image(image: torch.Tensor | None, name: str, seed: int) -> torch.Tensor:
    """Вход обозревателя: сетка 6×6 по умолчанию или проверенная :func:`small_grid` (до 16×16)."""
    if image is None:
        return integer_grid(6, 6, seed=check_int(seed, "seed", minimum=0))
    return small_grid(image, name, MAX_GRID_SIDE, "обозревателя").float()


LABEL_WIDTH = "165px"  # подписи ползунков обозревателей помещаются целиком
SLIDER_WIDTH = "375px"  # подпись + дорожка ≈ 145 пикс. (≥ 120 — удобно мышью) + число справа
# Число справа от ползунка — 40 пикс. вместо 71 (остальное — дорожке); рисунки — светлые панели с рамкой,
# заметной и в тёмной теме (стиль действует только внутри обозревателей курса).
_STYLE = (
    "<style>.cc-explorer .widget-readout { min-width: 40px; }"
    ".cc-explorer img { border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 4px; }</style>"
)


def _slider(
    description: str,
    value: float,
    lo: float,
    hi: float,
    step: float = 1,
    kind: type[widgets.ValueWidget] = widgets.IntSlider,
    label: str = LABEL_WIDTH,
    width: str = SLIDER_WIDTH,
) -> widgets.ValueWidget:
    return kind(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        continuous_update=True,
        style={"description_width": label},
        layout=widgets.Layout(width=width, min_width=width),
    )


def _label(text: str) -> widgets.HTML:
    """Подпись слева от кнопок, выровненная с подписями ползунков."""
    return widgets.HTML(
        f"<div style='text-align: right; padding-right: 8px'>{html.escape(text)}</div>",
        layout=widgets.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH),
    )


def _wrap(children: Sequence[widgets.Widget], gap: str = "0 16px") -> widgets.Box:
    """Строка элементов, которая переносится на следующую, когда не хватает ширины (без полосы прокрутки)."""
    return widgets.Box(
        children,
        layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="flex-start", grid_gap=gap),
    )


def _text_view() -> widgets.HTML:
    """Текст обозревателя на всю ширину: длинная строка переносится по словам, а не обрезается."""
    return widgets.HTML()


def _wrapped(html_text: str) -> str:
    return f"<div style='white-space: normal; overflow-wrap: break-word'>{html_text}</div>"


def _error_html(label: str, text: str) -> str:
    """«Так нельзя: …» — красная метка (читается в светлой и тёмной темах) и текст ошибки."""
    return _wrapped(f"<b style='color:{ERROR_COLOR}'>{html.escape(label)}</b> {html.escape(text)}")


def _blank_png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 0, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


_BLANK_PNG = _blank_png()  # пустое значение виджет Image показал бы значком «битой» картинки


def _show_figure(view: widgets.Image, fig: Figure) -> None:
    """Показывает фигуру в виджете Image в её размере (CSS-пиксели), PNG — с плотностью 2×.

    На узком экране картинка только уменьшается (max-width: 100 %), пропорции сохраняются.
    """
    png, (width, _height) = render_png(fig)
    _show_png(view, png, width)


def _show_png(view: widgets.Image, png: bytes, width: int) -> None:
    view.value = png
    view.layout.width = f"{width}px"
    view.layout.max_width = "100%"
    view.layout.height = "auto"
    view.layout.display = None


def _hide_picture(view: widgets.Image) -> None:
    view.value = _BLANK_PNG
    view.layout.display = "none"


def _show_error(views: Views, err: ValueError, text_view: str) -> None:
    """Показывает русское сообщение о невозможной конфигурации и прячет рисунок."""
    # ползунок задаёт одно число для обеих осей: «dilation=(2, 2)» в сообщении читается как «2»
    text = re.sub(r"\((\d+), \1\)", r"\1", str(err))
    views["size"].value = _error_html("Так нельзя:", text)
    views[text_view].value = ""
    _hide_picture(views["picture"])


def _limit_position(controls: Controls, h_out: int, w_out: int) -> None:
    """Ползунки позиции (row, col) не выходят за карту выхода (H', W')."""
    for name, limit in (("row", h_out - 1), ("col", w_out - 1)):
        controls[name].max = limit
        controls[name].value = min(controls[name].value, limit)


def _render_conv(controls: Controls, views: Views, data: Data) -> None:
    """Связь обозревателя свёртки с :func:`cnn_course.explore.conv_step`."""
    c = {name: ctl.value for name, ctl in controls.items()}
    kernel = explorer_kernel(c["kernel_size"])
    try:
        step = conv_step(
            data["image_data"],
            kernel,
            bias=c["bias"],
            stride=c["stride"],
            padding=c["padding"],
            dilation=c["dilation"],
            row=c["row"],
            col=c["col"],
        )
    except ValueError as err:
        _show_error(views, err, "formula")
        return
    h_out, w_out = step.out_size
    _limit_position(controls, h_out, w_out)
    h, w = data["image_data"].shape
    views["size"].value = _wrapped(
        f"Вход {h}×{w}, ядро {c['kernel_size']}×{c['kernel_size']}, stride = {c['stride']}, "
        f"padding = {c['padding']}, dilation = {c['dilation']} → <b>выход {h_out}×{w_out}</b> "
        f"= ({h} + 2·{c['padding']} − {c['dilation']}·({c['kernel_size']} − 1) − 1) // {c['stride']} + 1"
    )
    views["formula"].value = _wrapped(f"<code>{html.escape(step.formula())}</code>")
    fig = new_figure(6.6, 3.0)
    # не уже трёх клеток: заголовки над узкой картой не обрезаются
    ratios = [step.padded.shape[1], max(c["kernel_size"], 3) + 1, max(w_out, 3)]
    ax_in, ax_k, ax_out = fig.subplots(1, 3, width_ratios=ratios)
    title_in = "вход\n(с дополнением нулями)" if c["padding"] else "вход"
    draw_grid(ax_in, step.padded, highlight=step.window, title=title_in)
    top, left = step.pad
    if top or left:
        from matplotlib.patches import Rectangle

        ax_in.add_patch(
            Rectangle((left - 0.5, top - 0.5), w, h, fill=False, edgecolor="gray", linestyle="--", linewidth=1.5)
        )
    draw_grid(ax_k, step.kernel, title=f"ядро,\nb = {fmt(c['bias'])}", cmap="PiYG")
    draw_grid(ax_out, step.output, marker=(step.row, step.col), title="карта\nпризнаков", cmap="Oranges")
    _show_figure(views["picture"], fig)


def conv_explorer(image: torch.Tensor | None = None, seed: int = 0) -> Explorer:
    """Обозреватель свёртки: ползунки размера ядра, шага, дополнения, дилатации, смещения и позиции.

    Показывает вход с подсвеченным окном, ядро, формулу с числами и карту признаков с
    текущей клеткой, а также размер выхода. Невозможная конфигурация объясняется по-русски.

    Args:
        image: вход (H, W); по умолчанию — сетка 6×6 целых чисел.
        seed: зерно для сетки по умолчанию.

    Returns:
        :class:`Explorer` (покажите его, оставив последним выражением в ячейке).
    """
    data = _grid_image(image, "conv_explorer: image", seed)
    controls = {
        "kernel_size": _slider("ядро", 3, 1, 5),
        "stride": _slider("шаг (stride)", 1, 1, 3),
        "padding": _slider("дополнение (padding)", 0, 0, 2),
        "dilation": _slider("дилатация (dilation)", 1, 1, 3),
        "bias": _slider("смещение (bias)", 0, -5, 5),
        "row": _slider("строка выхода", 0, 0, 3),
        "col": _slider("столбец выхода", 0, 0, 3),
    }
    views = {"size": _text_view(), "formula": _text_view(), "picture": widgets.Image(format="png")}
    children = [_wrap(list(controls.values())), views["size"], views["formula"], views["picture"]]
    return Explorer(controls, views, children, _render_conv, name="conv-explorer", data={"image_data": data})


def _render_kernel(controls: Controls, views: Views, data: Data) -> None:
    """Связь редактора ядра с :func:`cnn_course.conv.filter_image`."""
    kernel = torch.tensor([[controls[f"w{r}{c}"].value for c in range(3)] for r in range(3)])
    act = controls["activation"].value
    out = filter_image(data["image_data"], kernel, bias=controls["bias"].value, act=act)
    rows, bias = " | ".join(" ".join(map(_weight_text, row)) for row in kernel.tolist()), controls["bias"].value
    views["stats"].value = _wrapped(
        f"Ядро по строкам: {rows}; смещение b = {_weight_text(bias)}.<br>"
        f"Карта признаков: min = {fmt(float(out.min()), 3)}, max = {fmt(float(out.max()), 3)}, "
        f"среднее = {fmt(float(out.mean()), 3)}"
    )
    fig = new_figure(6.6, 3.0)
    ax_in, ax_out = fig.subplots(1, 2)
    ax_in.imshow(data["image_data"][0].numpy(), cmap="gray")
    ax_in.set_title("вход", fontsize=10)
    vmin, vmax = contrast_limits(out)
    shown = ax_out.imshow(out.numpy(), cmap="gray", vmin=vmin, vmax=vmax)
    # шкала: какие числа за оттенками (бледная карта растянута, её края — 1-й и 99-й процентили)
    lo, hi = float(out.min()), float(out.max())
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max"}.get(
        (lo < vmin, hi > vmax), "both"
    )  # треугольник у шкалы: есть значения за её краем
    fig.colorbar(shown, ax=ax_out, shrink=0.9, extend=extend)
    ax_out.set_title(f"σ(свёртка + b), σ = {_ACT_TITLES.get(act, act)}", fontsize=10)
    for ax in (ax_in, ax_out):
        ax.axis("off")
    _show_figure(views["picture"], fig)


_ACT_TITLES = {"none": "нет", "relu": "ReLU", "sigmoid": "сигмоида", "tanh": "tanh"}


def _weight_text(value: float) -> str:
    """Вес по-русски без лишних нулей: 1, −0,25 (подпись ползунка ipywidgets — всегда с точкой)."""
    return fmt(round(float(value), 2), 2).rstrip("0").rstrip(",")


def kernel_editor(image: torch.Tensor | None = None, size: int = 160) -> Explorer:
    """Редактор ядра 3×3: девять ползунков весов, смещение и функция активации, результат на фото.

    Список «готовое ядро» подставляет классическое ядро в ползунки; если веса поменять вручную,
    список показывает «своё ядро».

    Args:
        image: картинка (1, H, W) в оттенках серого; по умолчанию — фото из matplotlib.
        size: сторона фото по умолчанию.

    Returns:
        :class:`Explorer`.
    """
    if image is None:
        data = load_photo(check_int(size, "size", minimum=8, maximum=1024), gray=True)
    else:
        if not isinstance(image, torch.Tensor):
            raise TypeError(
                f"image: ожидался тензор (1, H, W) или (H, W) в оттенках серого, получено {describe(image)}"
            )
        data = image.detach().cpu()
        if data.ndim == 2:
            data = data[None]
        check_tensor(data, "image", 3, "(1, H, W)", floating=False, nonempty=True)
        if data.shape[0] != 1:
            raise ValueError(
                f"image: ожидалась серая картинка (1, H, W), получено {tuple(image.shape)}; "
                "цветную переведите: cc.to_grayscale(image)"
            )
        if max(data.shape[1:]) > 2048:
            raise ValueError(f"image: картинка {tuple(data.shape[1:])} слишком велика для редактора (до 2048)")
        if data.dtype == torch.bool or data.is_complex():
            raise TypeError(f"image: ожидались числа, получен {data.dtype}")
        data = data.float()
    controls = {
        f"w{r}{c}": widgets.FloatSlider(
            value=1.0 if (r, c) == (1, 1) else 0.0,
            min=-4,
            max=4,
            step=0.25,
            description=f"w{r + 1}{c + 1}",
            continuous_update=False,
            readout=False,  # число по-русски — в строке под ползунками
            style={"description_width": "28px"},
            layout=widgets.Layout(width="auto", min_width="215px"),
        )
        for r in range(3)
        for c in range(3)
    }
    controls["bias"] = _slider("смещение (bias)", 0.0, -1.0, 1.0, 0.05, widgets.FloatSlider, label="120px")
    controls["bias"].readout = False  # число по-русски — в строке под ползунками
    controls["activation"] = widgets.Dropdown(
        options=[(_ACT_TITLES[a], a) for a in ACTIVATIONS],
        value="none",
        description="активация",
        style={"description_width": "80px"},
        layout=widgets.Layout(width="220px"),
    )
    preset = widgets.Dropdown(
        options=[(KERNEL_TITLES[n], n) for n in KERNEL_NAMES] + [("своё ядро (веса изменены)", "custom")],
        value="identity",
        description="готовое ядро",
        style={"description_width": "100px"},
        layout=widgets.Layout(width="440px", max_width="100%"),
    )
    views = {"stats": _text_view(), "picture": widgets.Image(format="png"), "preset": preset}
    grid = widgets.GridBox(
        [controls[f"w{r}{c}"] for r in range(3) for c in range(3)],
        layout=widgets.Layout(grid_template_columns="repeat(3, minmax(215px, 250px))", grid_gap="0 8px"),
    )
    editor = Explorer(
        controls,
        views,
        [preset, grid, _wrap([controls["bias"], controls["activation"]]), views["stats"], views["picture"]],
        _render_kernel,
        name="kernel-editor",
        data={"image_data": data},
    )
    state = {"applying": False, "syncing": False}

    def apply_preset(change: Mapping[str, Any]) -> None:
        if change["new"] == "custom" or state["syncing"]:
            return
        kernel = classic_kernel(change["new"])
        state["applying"] = True
        try:
            with editor.hold():  # девять ползунков — одна перерисовка
                for r in range(3):
                    for c in range(3):
                        controls[f"w{r}{c}"].value = float(kernel[r, c])
        finally:
            state["applying"] = False

    def follow_weights(_change: Mapping[str, Any]) -> None:
        if state["applying"]:
            return
        kernel = torch.tensor([[controls[f"w{r}{c}"].value for c in range(3)] for r in range(3)])
        state["syncing"] = True  # список только показывает имя ядра, ползунки уже стоят
        try:
            preset.value = preset_name(kernel)
        finally:
            state["syncing"] = False

    preset.observe(apply_preset, names="value")
    for r in range(3):
        for c in range(3):
            controls[f"w{r}{c}"].observe(follow_weights, names="value")
    return editor


_MODE_TITLES = {"max": "максимум", "min": "минимум", "avg": "среднее"}
_POOL_TITLES = {"max": "max-пулинг", "min": "min-пулинг", "avg": "усредняющий\nпулинг"}


def _render_pool(controls: Controls, views: Views, data: Data) -> None:
    """Связь обозревателя пулинга с :func:`cnn_course.explore.pool_step`."""
    c = {name: ctl.value for name, ctl in controls.items()}
    try:
        step = pool_step(data["image_data"], c["kernel_size"], c["stride"], c["mode"], c["row"], c["col"])
    except ValueError as err:
        _show_error(views, err, "value")
        return
    h_out, w_out = step.out_size
    _limit_position(controls, h_out, w_out)
    h, w = data["image_data"].shape
    views["size"].value = _wrapped(
        f"Вход {h}×{w}, окно {c['kernel_size']}×{c['kernel_size']}, stride = {c['stride']} → "
        f"<b>выход {h_out}×{w_out}</b> = ({h} − {c['kernel_size']}) // {c['stride']} + 1"
    )
    cells = "; ".join(short_number(float(data["image_data"][r, cc])) for r, cc in step.window)
    views["value"].value = _wrapped(
        f"Окно [{step.row},{step.col}]: {cells} → {_MODE_TITLES[c['mode']]} = <b>{short_number(step.value)}</b>"
    )
    fig = new_figure(6.6, 3.2)
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[w, max(w_out, 3)])
    draw_grid(ax_in, data["image_data"], highlight=step.window, title="вход: окно и выбранное значение")
    for r, cc in step.chosen:
        ax_in.plot(cc, r, "o", markersize=20, markerfacecolor="none", markeredgecolor="crimson", markeredgewidth=2)
    draw_grid(ax_out, step.output, marker=(step.row, step.col), title=_POOL_TITLES[c["mode"]], cmap="Oranges")
    _show_figure(views["picture"], fig)


def pool_explorer(image: torch.Tensor | None = None, seed: int = 3) -> Explorer:
    """Обозреватель пулинга: окно, шаг и режим (max, min, avg); видно каждое окно и выбранное значение.

    Args:
        image: вход (H, W); по умолчанию — сетка 6×6 целых чисел.
        seed: зерно для сетки по умолчанию.

    Returns:
        :class:`Explorer`.
    """
    data = _grid_image(image, "pool_explorer: image", seed)
    controls = {
        "kernel_size": _slider("окно (kernel_size)", 2, 1, 4),
        "stride": _slider("шаг (stride)", 2, 1, 4),
        "mode": widgets.ToggleButtons(
            options=[("максимум", "max"), ("минимум", "min"), ("среднее", "avg")],
            value="max",
            style={"button_width": "96px"},
        ),
        "row": _slider("строка выхода", 0, 0, 2),
        "col": _slider("столбец выхода", 0, 0, 2),
    }
    views = {"size": _text_view(), "value": _text_view(), "picture": widgets.Image(format="png")}
    children = [
        _wrap([controls[k] for k in ("kernel_size", "stride", "row", "col")]),
        widgets.HBox([_label("режим"), controls["mode"]]),
        views["size"],
        views["value"],
        views["picture"],
    ]
    return Explorer(controls, views, children, _render_pool, name="pool-explorer", data={"image_data": data})


def _render_shapes(controls: Controls, views: Views, data: Data) -> None:
    """Связь калькулятора форм с :func:`cnn_course.explore.shape_table`."""
    layers = [
        {
            "kind": controls[f"kind{i}"].value,
            "kernel_size": controls[f"kernel{i}"].value,
            "stride": controls[f"stride{i}"].value,
            "padding": controls[f"padding{i}"].value,
            "out_channels": controls[f"channels{i}"].value,
        }
        for i in range(data["n_layers"])
    ]
    rows = shape_table(controls["size"].value, controls["in_channels"].value, layers)
    body = []
    for row in rows:
        if row.error:
            body.append(
                f"<tr><td>{html.escape(row.label)}</td><td style='color:{ERROR_COLOR}'><b>невозможно:</b> "
                f"{html.escape(row.error)}</td></tr>"
            )
        else:
            body.append(f"<tr><td>{html.escape(row.label)}</td><td><code>{row.shape}</code></td></tr>")
    views["table"].value = (
        "<table><tr><th>слой</th><th>форма (batch, channels, H, W)</th></tr>" + "".join(body) + "</table>"
    )


_KIND_TITLES = {"none": "нет слоя", "conv": "свёртка", "maxpool": "max-пулинг", "avgpool": "усредняющий пулинг"}
# какие ползунки что-то значат для слоя: у пулинга нет фильтров, у «нет слоя» — ничего
_RELEVANT = {
    "none": (),
    "conv": ("kernel", "stride", "padding", "channels"),
    "maxpool": ("kernel", "stride", "padding"),
    "avgpool": ("kernel", "stride", "padding"),
}


def _show_relevant(controls: Controls, i: int) -> None:
    """Прячет ползунки слоя ``i``, которые для его типа ничего не меняют."""
    relevant = _RELEVANT[controls[f"kind{i}"].value]
    for name in ("kernel", "stride", "padding", "channels"):
        controls[f"{name}{i}"].layout.display = None if name in relevant else "none"


def shape_calculator(n_layers: int = 4) -> Explorer:
    """Калькулятор форм: размер входа и стопка из ``n_layers`` слоёв свёртки/пулинга с ползунками.

    Для каждого слоя выбираются тип, ядро, шаг, дополнение и число фильтров; таблица
    показывает форму после каждого слоя и объясняет по-русски невозможную конфигурацию.

    Returns:
        :class:`Explorer` (таблица — ``views['table']``).
    """
    n_layers = check_int(n_layers, "n_layers", minimum=1, maximum=8)
    preset = [("conv", 3, 1, 1, 16), ("maxpool", 2, 2, 0, 16), ("conv", 3, 1, 1, 32), ("maxpool", 2, 2, 0, 32)]
    narrow: dict[str, Any] = {"label": "90px", "width": "300px"}  # подпись «дополнение» целиком, дорожка ≥ 120 пикс.
    controls = {
        "size": _slider("вход H = W", 64, 4, 256, **narrow),
        "in_channels": _slider("каналов", 3, 1, 4, **narrow),
    }
    rows = [_wrap([controls["size"], controls["in_channels"]])]
    for i in range(n_layers):
        kind, k, s, p, ch = preset[i] if i < len(preset) else ("none", 3, 1, 0, 8)
        controls[f"kind{i}"] = widgets.Dropdown(
            options=[(_KIND_TITLES[name], name) for name in LAYER_KINDS],
            value=kind,
            description=f"слой {i + 1}",
            style={"description_width": "50px"},
            layout=widgets.Layout(width="250px", min_width="250px"),
        )
        controls[f"kernel{i}"] = _slider("ядро", k, 1, 7, **narrow)
        controls[f"stride{i}"] = _slider("шаг", s, 1, 4, **narrow)
        controls[f"padding{i}"] = _slider("дополнение", p, 0, 3, **narrow)
        controls[f"channels{i}"] = _slider("фильтров", ch, 1, 64, **narrow)
        row = _wrap([controls[f"{n}{i}"] for n in ("kind", "kernel", "stride", "padding", "channels")])
        row.layout.border_top = "1px solid var(--jp-border-color2, #e0e0e0)"
        row.layout.padding = "4px 0"
        rows.append(row)
        _show_relevant(controls, i)
        controls[f"kind{i}"].observe(lambda change, i=i: _show_relevant(controls, i), names="value")
    views = {"table": _text_view()}
    return Explorer(
        controls, views, rows + [views["table"]], _render_shapes, name="shape-calculator", data={"n_layers": n_layers}
    )


def _render_classifier(controls: Controls, views: Views, data: Data) -> None:
    """Связь классификатора с :func:`cnn_course.pretrained.classify_image`."""
    from .images import decode_image
    from .pretrained import classification_html, classify_image, thumbnail_png, upload_error_text

    files = controls["upload"].value
    image, label = data["default_image"], "пример: фотография Грейс Хоппер"
    failed = None
    if files:
        name = str(files[-1].get("name", "без имени"))
        try:
            image, label = decode_image(files[-1]["content"]), f"ваш файл: {name}"
        except (TypeError, ValueError) as err:
            failed = upload_error_text(name, err)
    if failed is None:
        try:
            results = classify_image(data["model"], image, data["weights"], topk=controls["topk"].value)
        except ValueError as err:
            failed = str(err)
    if failed is not None:
        views["table"].value = _error_html("Не получилось:", failed)
        _hide_picture(views["picture"])
        _hide_picture(views["photo"])
        data["results"] = []
        return
    _show_png(views["photo"], *thumbnail_png(image))
    views["table"].value = f"<p>{html.escape(label)}</p>" + classification_html(results, data["pretrained"])
    _show_figure(views["picture"], bar_chart(results))
    data["results"] = results


def image_classifier(
    model: nn.Module, weights: WeightsEnum, pretrained: bool = True, image: Image.Image | None = None
) -> Explorer:
    """Классификатор картинки: загрузите файл (FileUpload) — увидите top-k классов ImageNet.

    Args:
        model: модель ImageNet (например, ``load_pretrained_vgg().model``).
        weights: веса torchvision (``VGG16_Weights.DEFAULT``) — преобразования и имена классов.
        pretrained: False — показать предупреждение, что веса случайные.
        image: картинка по умолчанию (``PIL.Image``); по умолчанию — фотография из matplotlib.
    """
    import torch.nn as nn
    from PIL import Image

    from .images import pil_to_rgb

    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель nn.Module (load_pretrained_vgg().model), получено {describe(model)}")
    if not hasattr(weights, "transforms") or not hasattr(weights, "meta"):
        raise TypeError(f"weights: ожидались веса torchvision (VGG16_Weights.DEFAULT), получено {describe(weights)}")
    pretrained = check_bool(pretrained, "pretrained")
    if image is None:
        from matplotlib import cbook

        with cast(IO[bytes], cbook.get_sample_data("grace_hopper.jpg")) as fp:  # .jpg — файл, не массив
            image = Image.open(fp).convert("RGB")
    elif isinstance(image, Image.Image):
        image = pil_to_rgb(image, "image")
    else:
        raise TypeError(f"image: ожидалась картинка PIL.Image или None, получено {describe(image)}")
    controls = {
        "upload": widgets.FileUpload(
            accept="image/*",
            multiple=False,
            description="Загрузить картинку",
            layout=widgets.Layout(width="auto", min_width="230px"),
        ),
        "topk": _slider("сколько классов", 5, 1, 10),
    }
    views = {
        "table": widgets.HTML(layout=widgets.Layout(min_width="260px")),
        "picture": widgets.Image(format="png"),
        "photo": widgets.Image(format="png"),
    }
    data = {"model": model, "weights": weights, "pretrained": pretrained, "default_image": image, "results": []}
    children = [
        _wrap([controls["upload"], controls["topk"]]),
        _wrap([views["photo"], views["table"]]),
        views["picture"],
    ]
    return Explorer(controls, views, children, _render_classifier, name="image-classifier", data=data)
