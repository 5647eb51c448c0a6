"""Обозреватели моделей: калькулятор форм (урок 3) и классификатор картинок VGG (урок 5)."""

from __future__ import annotations

import html
from typing import IO, TYPE_CHECKING, Any, cast

import ipywidgets as widgets

from .._validate import check_bool, check_int, describe
from ..explore import (
    LAYER_KINDS,
    shape_table,
)
from ..formatting import ERROR_COLOR
from ..plotting import bar_chart

if TYPE_CHECKING:
    import torch.nn as nn
    from PIL import Image
    from torchvision.models import WeightsEnum

from .base import (
    Controls,
    Data,
    Explorer,
    Views,
    _error_html,
    _hide_picture,
    _show_figure,
    _show_png,
    _slider,
    _text_view,
    _wrap,
)

__all__ = ["shape_calculator", "image_classifier"]


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
    from ..images import decode_image
    from ..pretrained import classification_html, classify_image, thumbnail_png, upload_error_text

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

    from ..images import pil_to_rgb

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
