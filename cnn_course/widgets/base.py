"""Основа обозревателей: класс Explorer (ползунки → чистая функция → виды) и общие кирпичики
разметки — ползунки, подписи, показ картинок и ошибок."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import torch

from .._validate import check_int
from ..explore import (
    small_grid,
)
from ..formatting import ERROR_COLOR
from ..images import integer_grid
from ..plotting import render_png

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = ["Explorer"]


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
