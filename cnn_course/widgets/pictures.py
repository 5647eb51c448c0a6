"""Обозреватели картинок: свёртка (урок 1), редактор ядра (урок 1) и пулинг (урок 2)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import torch

from .._validate import check_int, check_tensor, describe
from ..conv import ACTIVATIONS, KERNEL_NAMES, KERNEL_TITLES, classic_kernel, filter_image
from ..explore import (
    conv_step,
    explorer_kernel,
    pool_step,
    preset_name,
    short_number,
)
from ..formatting import fmt
from ..images import load_photo
from ..plotting import contrast_limits, draw_grid, new_figure

if TYPE_CHECKING:
    pass

from .base import (
    Controls,
    Data,
    Explorer,
    Views,
    _grid_image,
    _label,
    _limit_position,
    _show_error,
    _show_figure,
    _slider,
    _text_view,
    _wrap,
    _wrapped,
)

__all__ = ["conv_explorer", "kernel_editor", "pool_explorer"]


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
