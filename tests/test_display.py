"""Что видит ученик на рисунках: цвет подписей, «−0», плотность 2×, растяжение бледных карт, маркеры у края."""

import io

import matplotlib
import pytest
import torch
from PIL import Image

from cnn_course.plotting import (
    CSS_DPI,
    CourseFigure,
    cell_label,
    clamp_point,
    contrast_limits,
    display_size,
    draw_grid,
    new_figure,
    percent_text,
    render_png,
    russian_number_text,
    show_predictions,
    text_color,
    wrap_title,
)


def _png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


@pytest.mark.parametrize(
    "cmap,value,expected",
    [
        ("PiYG", 0.0, "white"),  # тёмная малиновая клетка «−1»
        ("PiYG", 0.5, "black"),  # почти белая середина
        ("PiYG", 1.0, "white"),  # тёмно-зелёная клетка «1»
        ("Blues", 0.0, "black"),
        ("Blues", 1.0, "white"),
        ("Oranges", 0.1, "black"),
        ("gray", 0.0, "white"),
        ("gray", 1.0, "black"),
    ],
)
def test_text_color_follows_cell_luminance_not_sign(cmap, value, expected):
    assert text_color(matplotlib.colormaps[cmap](value)) == expected


def test_draw_grid_makes_every_label_readable_on_a_diverging_map():
    fig = new_figure(3, 3)
    ax = fig.add_subplot()
    draw_grid(ax, torch.tensor([[-1.0, 0.0], [1.0, -1.0]]), cmap="PiYG")
    colors = {t.get_text(): t.get_color() for t in ax.texts}
    assert colors == {"−1": "white", "0": "black", "1": "white"}


@pytest.mark.parametrize(
    "value,fmt,expected",
    [
        (-0.001, "{:g}", "0"),
        (-0.001, "{:.2f}", "0,00"),
        (-0.0, "{:g}", "0"),
        (-1, "{:g}", "−1"),
        (2.5, "{:g}", "2,5"),
        (-2.004, "{:.2f}", "−2,00"),
        (6.44444, "{:g}", "6,44"),
    ],
)
def test_cell_label_never_prints_negative_zero(value, fmt, expected):
    assert cell_label(value, fmt) == expected


def test_russian_number_text():
    assert russian_number_text("-0.50") == "−0,50"
    assert russian_number_text("-0") == "0"
    assert russian_number_text("-0.00") == "0,00"
    assert russian_number_text("1e-05") == "1e−05"


def test_display_size_and_density():
    assert display_size((6.6, 3.0)) == (634, 288)
    assert display_size((12, 4), css_dpi=90) == (1080, 360)
    with pytest.raises(ValueError, match="figsize"):
        display_size((0, 3))
    fig = new_figure(6.6, 3.0)
    fig.add_subplot().plot([0, 1])
    png, (w, h) = render_png(fig)
    assert (w, h) == display_size((6.6, 3.0), CSS_DPI)
    pw, ph = _png_size(png)
    assert abs(pw - 2 * w) <= 2 and abs(ph - 2 * h) <= 2  # плотность 2×: не растягивается


def test_course_figure_tells_jupyter_its_css_size():
    fig = new_figure(8, 3)
    fig.add_subplot().plot([0, 1])
    assert isinstance(fig, CourseFigure)
    png, meta = fig._repr_png_()
    assert meta == {"width": 720, "height": 270}
    assert _png_size(png) == (1440, 540)


def test_axes_have_decimal_comma_and_no_offset():
    fig = new_figure(6, 3)
    ax = fig.add_subplot()
    ax.plot([1, 2], [20275.5, 20275.9], "o-")
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert any("20275," in label for label in labels), labels
    assert not any("." in label for label in labels + [t.get_text() for t in ax.get_xticklabels()])


def test_contrast_limits_stretch_only_faint_maps():
    sobel_like = torch.zeros(100, 100)
    sobel_like[50, :] = 0.2
    sobel_like[0, 0] = 4.0  # один выброс делает всю карту бледно-серой
    lo, hi = contrast_limits(sobel_like)
    assert hi < 1.0
    photo = torch.linspace(0, 1, 10_000).view(100, 100)
    assert contrast_limits(photo) == pytest.approx((0.0, 1.0))
    lo, hi = contrast_limits(sobel_like - 0.1, symmetric=True)
    assert lo == -hi and hi < 1.0
    assert contrast_limits(torch.full((4, 4), 3.0)) == (2.5, 3.5)
    relu_map = torch.relu(torch.randn(200, 200, generator=torch.Generator().manual_seed(0)) - 2.0)
    relu_map[0, 0] = 3.0  # почти чёрная карта после ReLU: вверх растягивается до 99-го процентиля
    lo, hi = contrast_limits(relu_map)
    assert lo == 0.0 and hi < 0.7 * float(relu_map.max())


def test_show_images_leaves_room_for_wrapped_titles():
    from cnn_course.plotting import show_images

    fig = show_images([torch.rand(8, 8)] * 3, ["а", "б", "карта признаков после Conv3d и MaxPool3d, срез 8"], ncols=3)
    assert fig.get_size_inches()[1] > 2.6 + 0.4  # две строки подписи
    assert "\n" in fig.axes[2].get_title()


def test_wrap_title_breaks_at_words():
    title = "карта признаков после Conv3d и MaxPool3d, срез 8"
    lines = wrap_title(title, 2.6).split("\n")
    assert len(lines) >= 2 and " ".join(lines) == title
    assert wrap_title("срез D = 16", 2.6) == "срез D = 16"


def test_clamp_point_keeps_markers_inside_the_image():
    assert clamp_point((-40, 300), 256, 256) == ((0.0, 255.0), True)
    assert clamp_point((10.5, 20), 256, 256) == ((10.5, 20.0), False)


def test_show_predictions_draws_every_marker_inside_the_frame():
    images = torch.rand(2, 3, 64, 64)
    true = torch.tensor([[10.0, 10.0], [30.0, 30.0]])
    pred = torch.tensor([[-20.0, -5.0], [63.0, 0.0]])
    fig = show_predictions(images, true, pred)
    for ax in fig.axes:
        for line in ax.lines:
            x, y = line.get_xdata()[0], line.get_ydata()[0]
            assert 0 <= x <= 63 and 0 <= y <= 63
            assert line.get_clip_on() is False  # кружок у края виден целиком
    assert "за краем" in fig.axes[0].get_title()


def test_percent_text():
    assert percent_text(0.1234) == "12,3\u00a0%"
    assert percent_text(0.0028) == "0,28\u00a0%"
