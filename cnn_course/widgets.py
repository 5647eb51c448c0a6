"""Интерактивные виджеты уроков: только создание ползунков и связь с чистыми функциями."""

from __future__ import annotations

import html

import ipywidgets as widgets
import torch

from ._validate import check_bool, check_int, check_tensor, describe
from .conv import ACTIVATIONS, KERNEL_NAMES, KERNEL_TITLES, classic_kernel, filter_image
from .explore import LAYER_KINDS, conv_step, explorer_kernel, pool_step, shape_table
from .images import integer_grid, load_photo
from .plotting import bar_chart, draw_grid, figure_to_png, new_figure

__all__ = ["Explorer", "conv_explorer", "kernel_editor", "pool_explorer", "shape_calculator", "image_classifier"]


class Explorer(widgets.VBox):
    """Виджет-обозреватель: ``controls`` — ползунки по именам, ``views`` — что показывается.

    Тесты и ученик меняют ``controls[имя].value``; виджет перерисовывается сразу.
    """

    def __init__(self, controls: dict, views: dict, children, update, name: str = "explorer"):
        super().__init__(children=children)
        self.controls = controls
        self.views = views
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

    def _on_change(self, _change) -> None:
        if not self._busy:
            self.refresh()

    def refresh(self) -> None:
        """Пересчитывает и перерисовывает всё по текущим значениям ползунков."""
        self._busy = True
        try:
            self._update(self.controls, self.views)
        finally:
            self._busy = False


MAX_GRID_SIDE = 16  # сетка чисел больше 16×16 рисуется секунды и не читается


def _grid_image(image, name: str, seed: int) -> torch.Tensor:
    """Проверяет вход обозревателя: числовой тензор (H, W), не пустой и не больше 16×16."""
    if image is None:
        return integer_grid(6, 6, seed=check_int(seed, "seed", minimum=0))
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"{name}: ожидался тензор (H, W) — маленькая сетка чисел, получено {describe(image)}")
    check_tensor(image, "image", 2, "(H, W)", floating=False, nonempty=True)
    if image.dtype == torch.bool or image.is_complex():
        raise TypeError(f"image: ожидались числа, получен {image.dtype}")
    if max(image.shape) > MAX_GRID_SIDE:
        raise ValueError(
            f"image: сетка {tuple(image.shape)} слишком велика для обозревателя (до "
            f"{MAX_GRID_SIDE}×{MAX_GRID_SIDE}: каждая клетка подписана числом); возьмите кусок, "
            "например image[:8, :8]"
        )
    return image.detach().cpu().float()


def _slider(description, value, lo, hi, step=1, kind=widgets.IntSlider):
    return kind(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
    )


def _show_error(views, err: ValueError, text_view: str) -> None:
    """Показывает русское сообщение о невозможной конфигурации и очищает рисунок."""
    views["size"].value = f"<b style='color:#b00020'>Так нельзя:</b> {html.escape(str(err))}"
    views[text_view].value = ""
    views["picture"].value = b""


def _limit_position(controls, h_out: int, w_out: int) -> None:
    """Ползунки позиции (row, col) не выходят за карту выхода (H', W')."""
    for name, limit in (("row", h_out - 1), ("col", w_out - 1)):
        controls[name].max = limit
        controls[name].value = min(controls[name].value, limit)


def _render_conv(controls, views) -> None:
    """Связь обозревателя свёртки с :func:`cnn_course.explore.conv_step`."""
    c = {name: ctl.value for name, ctl in controls.items()}
    kernel = explorer_kernel(c["kernel_size"])
    try:
        step = conv_step(
            views["image_data"],
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
    h, w = views["image_data"].shape
    views["size"].value = (
        f"Вход {h}×{w}, ядро {c['kernel_size']}×{c['kernel_size']}, stride={c['stride']}, "
        f"padding={c['padding']}, dilation={c['dilation']} → <b>выход {h_out}×{w_out}</b> "
        f"= ({h} + 2·{c['padding']} − {c['dilation']}·({c['kernel_size']} − 1) − 1) // {c['stride']} + 1"
    )
    views["formula"].value = f"<code>{html.escape(step.formula())}</code>"
    fig = new_figure(9, 4.2)
    ax_in, ax_k, ax_out = fig.subplots(1, 3, width_ratios=[step.padded.shape[1], c["kernel_size"] + 1, max(w_out, 2)])
    draw_grid(ax_in, step.padded, highlight=step.window, title="вход (с дополнением нулями)")
    top, left = step.pad
    if top or left:
        from matplotlib.patches import Rectangle

        ax_in.add_patch(
            Rectangle((left - 0.5, top - 0.5), w, h, fill=False, edgecolor="gray", linestyle="--", linewidth=1.5)
        )
    draw_grid(ax_k, step.kernel, title=f"ядро, b = {c['bias']}", cmap="PiYG")
    draw_grid(ax_out, step.output, marker=(step.row, step.col), title="карта признаков", cmap="Oranges")
    views["picture"].value = figure_to_png(fig)


def conv_explorer(image=None, seed: int = 0) -> Explorer:
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
    views = {
        "image_data": data,
        "size": widgets.HTML(),
        "formula": widgets.HTML(),
        "picture": widgets.Image(format="png"),
    }
    left = widgets.VBox([controls[k] for k in ("kernel_size", "stride", "padding", "dilation", "bias")])
    right = widgets.VBox([controls["row"], controls["col"]])
    children = [widgets.HBox([left, right]), views["size"], views["formula"], views["picture"]]
    return Explorer(controls, views, children, _render_conv, name="conv-explorer")


def _render_kernel(controls, views) -> None:
    """Связь редактора ядра с :func:`cnn_course.conv.filter_image`."""
    kernel = torch.tensor([[controls[f"w{r}{c}"].value for c in range(3)] for r in range(3)])
    out = filter_image(views["image_data"], kernel, bias=controls["bias"].value, act=controls["activation"].value)
    views["stats"].value = (
        f"Карта признаков: min = {float(out.min()):.3f}, max = {float(out.max()):.3f}, "
        f"среднее = {float(out.mean()):.3f}"
    )
    fig = new_figure(7, 3.6)
    ax_in, ax_out = fig.subplots(1, 2)
    ax_in.imshow(views["image_data"][0].numpy(), cmap="gray")
    ax_in.set_title("вход")
    ax_out.imshow(out.numpy(), cmap="gray")
    ax_out.set_title(f"σ(свёртка + b), σ = {controls['activation'].value}")
    for ax in (ax_in, ax_out):
        ax.axis("off")
    views["picture"].value = figure_to_png(fig)


def kernel_editor(image=None, size: int = 160) -> Explorer:
    """Редактор ядра 3×3: девять ползунков весов, смещение и функция активации, результат на фото.

    Список «готовое ядро» подставляет классическое ядро в ползунки.

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
            layout=widgets.Layout(width="230px"),
        )
        for r in range(3)
        for c in range(3)
    }
    controls["bias"] = _slider("смещение (bias)", 0.0, -1.0, 1.0, 0.05, widgets.FloatSlider)
    controls["activation"] = widgets.Dropdown(options=list(ACTIVATIONS), value="none", description="активация")
    preset = widgets.Dropdown(
        options=[(KERNEL_TITLES[n], n) for n in KERNEL_NAMES],
        value="identity",
        description="готовое ядро",
        style={"description_width": "initial"},
    )
    views = {"image_data": data, "stats": widgets.HTML(), "picture": widgets.Image(format="png"), "preset": preset}
    grid = widgets.GridBox(
        [controls[f"w{r}{c}"] for r in range(3) for c in range(3)],
        layout=widgets.Layout(grid_template_columns="repeat(3, 240px)"),
    )
    editor = Explorer(
        controls,
        views,
        [preset, grid, widgets.HBox([controls["bias"], controls["activation"]]), views["stats"], views["picture"]],
        _render_kernel,
        name="kernel-editor",
    )

    def apply_preset(change) -> None:
        kernel = classic_kernel(change["new"])
        editor._busy = True  # девять ползунков — одна перерисовка
        try:
            for r in range(3):
                for c in range(3):
                    controls[f"w{r}{c}"].value = float(kernel[r, c])
        finally:
            editor._busy = False
        editor.refresh()

    preset.observe(apply_preset, names="value")
    return editor


_MODE_TITLES = {"max": "максимум", "min": "минимум", "avg": "среднее"}
_POOL_TITLES = {"max": "max-пулинг", "min": "min-пулинг", "avg": "усредняющий пулинг"}


def _render_pool(controls, views) -> None:
    """Связь обозревателя пулинга с :func:`cnn_course.explore.pool_step`."""
    c = {name: ctl.value for name, ctl in controls.items()}
    try:
        step = pool_step(views["image_data"], c["kernel_size"], c["stride"], c["mode"], c["row"], c["col"])
    except ValueError as err:
        _show_error(views, err, "value")
        return
    h_out, w_out = step.out_size
    _limit_position(controls, h_out, w_out)
    h, w = views["image_data"].shape
    views["size"].value = (
        f"Вход {h}×{w}, окно {c['kernel_size']}×{c['kernel_size']}, stride={c['stride']} → "
        f"<b>выход {h_out}×{w_out}</b> = ({h} − {c['kernel_size']}) // {c['stride']} + 1"
    )
    cells = ", ".join(f"{float(views['image_data'][r, cc]):g}" for r, cc in step.window)
    views["value"].value = f"Окно [{step.row},{step.col}]: {cells} → {_MODE_TITLES[c['mode']]} = <b>{step.value:g}</b>"
    fig = new_figure(8, 4)
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[w, max(w_out, 2)])
    draw_grid(ax_in, views["image_data"], highlight=step.window, title="вход: окно и выбранное значение")
    for r, cc in step.chosen:
        ax_in.plot(cc, r, "o", markersize=22, markerfacecolor="none", markeredgecolor="crimson", markeredgewidth=2)
    draw_grid(ax_out, step.output, marker=(step.row, step.col), title=_POOL_TITLES[c["mode"]], cmap="Oranges")
    views["picture"].value = figure_to_png(fig)


def pool_explorer(image=None, seed: int = 3) -> Explorer:
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
            options=[("максимум", "max"), ("минимум", "min"), ("среднее", "avg")], value="max", description="режим"
        ),
        "row": _slider("строка выхода", 0, 0, 2),
        "col": _slider("столбец выхода", 0, 0, 2),
    }
    views = {
        "image_data": data,
        "size": widgets.HTML(),
        "value": widgets.HTML(),
        "picture": widgets.Image(format="png"),
    }
    children = [
        widgets.HBox(
            [
                widgets.VBox([controls["kernel_size"], controls["stride"], controls["mode"]]),
                widgets.VBox([controls["row"], controls["col"]]),
            ]
        ),
        views["size"],
        views["value"],
        views["picture"],
    ]
    return Explorer(controls, views, children, _render_pool, name="pool-explorer")


def _render_shapes(controls, views) -> None:
    """Связь калькулятора форм с :func:`cnn_course.explore.shape_table`."""
    layers = [
        {
            "kind": controls[f"kind{i}"].value,
            "kernel_size": controls[f"kernel{i}"].value,
            "stride": controls[f"stride{i}"].value,
            "padding": controls[f"padding{i}"].value,
            "out_channels": controls[f"channels{i}"].value,
        }
        for i in range(views["n_layers"])
    ]
    rows = shape_table(controls["size"].value, controls["in_channels"].value, layers)
    body = []
    for row in rows:
        if row.error:
            body.append(
                f"<tr><td>{html.escape(row.label)}</td><td style='color:#b00020'><b>невозможно:</b> "
                f"{html.escape(row.error)}</td></tr>"
            )
        else:
            body.append(f"<tr><td>{html.escape(row.label)}</td><td><code>{row.shape}</code></td></tr>")
    views["table"].value = (
        "<table><tr><th>слой</th><th>форма (batch, channels, H, W)</th></tr>" + "".join(body) + "</table>"
    )


_KIND_TITLES = {"нет": "нет слоя", "conv": "свёртка", "maxpool": "max-пулинг", "avgpool": "усредняющий пулинг"}
# какие ползунки что-то значат для слоя: у пулинга нет фильтров, у «нет слоя» — ничего
_RELEVANT = {
    "нет": (),
    "conv": ("kernel", "stride", "padding", "channels"),
    "maxpool": ("kernel", "stride", "padding"),
    "avgpool": ("kernel", "stride", "padding"),
}


def _show_relevant(controls, i: int) -> None:
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
    controls = {"size": _slider("вход H = W", 64, 4, 256), "in_channels": _slider("каналов", 3, 1, 4)}
    rows = [widgets.HBox([controls["size"], controls["in_channels"]])]
    for i in range(n_layers):
        kind, k, s, p, ch = preset[i] if i < len(preset) else ("нет", 3, 1, 0, 8)
        controls[f"kind{i}"] = widgets.Dropdown(
            options=[(_KIND_TITLES[name], name) for name in LAYER_KINDS],
            value=kind,
            description=f"слой {i + 1}",
            layout=widgets.Layout(width="240px"),
        )
        controls[f"kernel{i}"] = _slider("ядро", k, 1, 7)
        controls[f"stride{i}"] = _slider("шаг", s, 1, 4)
        controls[f"padding{i}"] = _slider("дополнение", p, 0, 3)
        controls[f"channels{i}"] = _slider("фильтров", ch, 1, 64)
        rows.append(widgets.HBox([controls[f"{n}{i}"] for n in ("kind", "kernel", "stride", "padding", "channels")]))
        _show_relevant(controls, i)
        controls[f"kind{i}"].observe(lambda change, i=i: _show_relevant(controls, i), names="value")
    views = {"table": widgets.HTML(), "n_layers": n_layers}
    return Explorer(controls, views, rows + [views["table"]], _render_shapes, name="shape-calculator")


def _render_classifier(controls, views) -> None:
    """Связь классификатора с :func:`cnn_course.pretrained.classify_image`."""
    from .images import decode_image
    from .pretrained import classification_html, classify_image

    files = controls["upload"].value
    image, label = views["default_image"], "пример: фотография Грейс Хоппер"
    if files:
        try:
            image, label = decode_image(files[-1]["content"]), f"ваш файл: {files[-1]['name']}"
        except ValueError as err:
            views["table"].value = f"<b style='color:#b00020'>Не получилось:</b> {html.escape(str(err))}"
            views["picture"].value = b""
            return
    try:
        results = classify_image(views["model"], image, views["weights"], topk=controls["topk"].value)
    except ValueError as err:
        views["table"].value = f"<b style='color:#b00020'>Не получилось:</b> {html.escape(str(err))}"
        views["picture"].value = b""
        return
    views["table"].value = f"<p>{html.escape(label)}</p>" + classification_html(results, views["pretrained"])
    views["picture"].value = figure_to_png(bar_chart(results))
    views["results"] = results


def image_classifier(model, weights, pretrained: bool = True, image=None) -> Explorer:
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

        with cbook.get_sample_data("grace_hopper.jpg") as fp:
            image = Image.open(fp).convert("RGB")
    elif isinstance(image, Image.Image):
        image = pil_to_rgb(image, "image")
    else:
        raise TypeError(f"image: ожидалась картинка PIL.Image или None, получено {describe(image)}")
    controls = {
        "upload": widgets.FileUpload(accept="image/*", multiple=False, description="Загрузить картинку"),
        "topk": _slider("сколько классов", 5, 1, 10),
    }
    views = {
        "table": widgets.HTML(),
        "picture": widgets.Image(format="png"),
        "model": model,
        "weights": weights,
        "pretrained": pretrained,
        "default_image": image,
        "results": [],
    }
    children = [widgets.HBox([controls["upload"], controls["topk"]]), widgets.HBox([views["table"], views["picture"]])]
    return Explorer(controls, views, children, _render_classifier, name="image-classifier")
