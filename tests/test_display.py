"""Что видит ученик на рисунках и в HTML: цвет подписей, «−0», плотность 2×, растяжение бледных карт,
маркеры у края, контраст плашек в светлой и тёмной темах."""

import io
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

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


# --- HTML курса в светлой и тёмной темах JupyterLab и в книге --------------------------------------
# Контраст считается по правилам WCAG: цвет текста (наследуется от страницы, если не задан) поверх
# всех фонов от страницы до текста (полупрозрачные смешиваются). Переменные --jp-* берутся из тем,
# установленных вместе с JupyterLab; в книге их нет — там действуют запасные цвета.

_BOOK_PAGE = {"--page-background": "white", "--page-text": "rgb(34, 40, 50)"}  # sphinx-book-theme
_NAMED = {"white": (255, 255, 255, 1.0), "black": (0, 0, 0, 1.0), "red": (255, 0, 0, 1.0)}


def _theme(name: str) -> dict[str, str]:
    """Переменные темы JupyterLab (``light`` или ``dark``) и цвета её страницы."""
    css = Path(sys.prefix) / "share/jupyter/lab/themes/@jupyterlab" / f"theme-{name}-extension/index.css"
    if not css.is_file():
        pytest.skip(f"нет темы JupyterLab {css}")
    found = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;}]+)", css.read_text()))
    found["--page-background"] = "var(--jp-layout-color0)"
    found["--page-text"] = "var(--jp-content-font-color1)"
    return found


def _resolve(value: str, env: dict[str, str]) -> str:
    """``var(--имя, запасной)`` → значение из ``env`` или запасной цвет (рекурсивно)."""
    value = value.strip()
    match = re.fullmatch(r"var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)", value)
    if not match:
        return value
    name, fallback = match.groups()
    if name in env:
        return _resolve(env[name], env)
    assert fallback is not None, f"{name} без запасного цвета: в книге его нет"
    return _resolve(fallback, env)


def _rgba(value: str) -> tuple[float, float, float, float]:
    value = value.strip().lower()
    if value in _NAMED:
        return _NAMED[value]
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return (*(int(digits[i : i + 2], 16) for i in (0, 2, 4)), 1.0)
    match = re.fullmatch(r"rgba?\(([^)]*)\)", value)
    assert match, f"цвет не разобран: {value!r}"
    parts = [float(p) for p in re.split(r"[,\s/]+", match.group(1).strip())]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)


def _over(top, bottom):
    alpha = top[3]
    return (*(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], bottom[:3])), 1.0)


def _contrast(fore, back) -> float:
    def luminance(rgb):
        lin = [(c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fore), luminance(back)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


class _TextColors(HTMLParser):
    """Для каждого текста HTML: (текст, контраст его цвета с фоном под ним)."""

    VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr"})

    def __init__(self, env):
        super().__init__()
        self.env = env
        page = _rgba(_resolve("var(--page-background)", env))
        self.stack = [(_rgba(_resolve("var(--page-text)", env)), page)]
        self.found = []

    def handle_starttag(self, tag, attrs):
        color, back = self.stack[-1]
        style = dict(attrs).get("style") or ""
        for prop, value in re.findall(r"([\w-]+)\s*:\s*((?:var\([^)]*\)|rgba?\([^)]*\)|[^;])+)", style):
            if prop == "color" and value.strip() != "inherit":
                color = _rgba(_resolve(value, self.env))
            elif prop in ("background", "background-color"):
                back = _over(_rgba(_resolve(value, self.env)), back)
        if tag not in self.VOID:
            self.stack.append((color, back))

    def handle_endtag(self, tag):
        if tag not in self.VOID and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            color, back = self.stack[-1]
            self.found.append((data.strip()[:40], _contrast(_over(color, back), back)))


def _low_contrast(html_text: str) -> list[str]:
    """Тексты с контрастом ниже 4,5 : 1 (WCAG AA) в светлой и тёмной темах JupyterLab и в книге."""
    problems = []
    for where, env in (("светлая тема", _theme("light")), ("тёмная тема", _theme("dark")), ("книга", _BOOK_PAGE)):
        parser = _TextColors(env)
        parser.feed(html_text)
        assert parser.found, "в HTML нет текста"
        problems += [f"{where}: «{text}» {ratio:.2f} : 1" for text, ratio in parser.found if ratio < 4.5]
    return problems


def _course_html(monkeypatch, tmp_path) -> dict[str, str]:
    """Всё цветное HTML, которое рисует пакет: плашки проверок, вопросы, ошибки, предупреждения."""
    from cnn_course import demo, pretrained, widgets
    from cnn_course.exercises import EXERCISES, CheckResult

    shown = {}
    boxes = {
        f"проверка ({status})": CheckResult(status == "right", "Ответ `(8, 16, 32, 32)`.\nВторая строка.", status)
        for status in ("right", "wrong", "pending", "invalid", "answer")
    }
    boxes |= {f"вопрос {ex.number}": ex._repr_html_() for ex in EXERCISES.values() if ex.options}
    monkeypatch.setattr(demo, "show_html", lambda html_text, plain: shown.setdefault("ожидаемая ошибка", html_text))
    with demo.expect_error(ValueError):
        raise ValueError("Ядро 5×5 больше входа 3×3")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(pretrained.torchvision.models, "vgg11", lambda weights=None: torch.nn.Linear(2, 2))
    monkeypatch.setattr(pretrained, "show_html", lambda html_text, plain: shown.setdefault("веса VGG", html_text))
    pretrained.load_pretrained_vgg("vgg11", download=False)
    boxes |= shown
    boxes["случайные веса"] = pretrained.classification_html([("tabby", 0.5)], pretrained=False)
    boxes["ошибка в обозревателе"] = widgets.base._error_html("Так нельзя:", "ядро больше входа")
    return {name: box if isinstance(box, str) else box._repr_html_() for name, box in boxes.items()}


def test_every_coloured_box_reads_in_light_dark_and_the_book(monkeypatch, tmp_path):
    """Плашки и цветной текст курса: контраст ≥ 4,5 : 1 везде (в ноябре в тёмной теме было 1,06 : 1)."""
    problems = []
    for name, html_text in _course_html(monkeypatch, tmp_path).items():
        problems += [f"{name}, {p}" for p in _low_contrast(html_text)]
    assert not problems, "\n".join(problems)


def test_boxes_are_the_one_callout_and_set_text_colour_with_background(monkeypatch, tmp_path):
    """Каждый фон — в плашке ``callout``, которая задаёт и цвет текста; цвета — переменные JupyterLab."""
    for name, html_text in _course_html(monkeypatch, tmp_path).items():
        for style in re.findall(r"style=[\"']([^\"']*)", html_text):
            if "background" in style:
                assert "color:inherit" in style.replace(" ", ""), f"{name}: фон без цвета текста: {style}"
            for value in re.findall(r"(?:^|;)\s*(?:color|border[\w-]*)\s*:\s*([^;]+)", style):
                if "#" in value:
                    assert re.search(r"var\(--jp-[\w-]+,\s*#[0-9a-f]{3,6}\)", value), (
                        f"{name}: цвет без переменной: {value}"
                    )
        if name.startswith(("проверка", "вопрос", "ожидаемая", "веса")):
            assert "cc-callout" in html_text, f"{name}: плашка нарисована не через formatting.callout"


def test_no_hard_coded_colours_in_the_package_html():
    """В CSS пакета цвет пишется как var(--jp-…, #запасной): голый #b00020 в тёмной теме даёт 2,6 : 1."""
    root = Path(__file__).resolve().parents[1] / "cnn_course"
    problems = []
    for path in sorted(root.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            bare = re.sub(r"var\(--jp-[\w-]+,\s*#[0-9a-fA-F]{3,8}\)", "", line)
            if re.search(r"(?:color|background|border[\w-]*)\s*:[^;\"']*#[0-9a-fA-F]{3,8}\b", bare):
                problems.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", ["right", "wrong", "pending", "invalid", "answer", "warning"])
def test_callout_kinds(kind):
    from cnn_course.formatting import callout

    box = callout(kind, "<b>Заголовок</b> текст", css_class="cc-x", style="margin:0")
    assert box.startswith(f'<div class="cc-callout cc-callout-{kind} cc-x"') and "margin:0" in box
    assert not _low_contrast(box)


def test_callout_rejects_unknown_kind():
    from cnn_course.formatting import callout

    with pytest.raises(ValueError, match="kind"):
        callout("danger", "текст")


def test_offline_vgg_message_is_russian_html_without_hard_wraps(monkeypatch, tmp_path):
    """Урок 5 без сети: «нет подключения к интернету» плашкой, а не URLError в моноширинном блоке."""
    import socket
    import urllib.error

    from cnn_course import pretrained

    def offline(*args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    shown = []
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(pretrained.urllib.request, "urlopen", offline)
    monkeypatch.setattr(pretrained.torchvision.models, "vgg16", lambda weights=None: torch.nn.Linear(2, 2))
    monkeypatch.setattr(pretrained, "show_html", lambda html_text, plain: shown.append((html_text, plain)))
    loaded = pretrained.load_pretrained_vgg("vgg16", timeout=1)
    assert not loaded.pretrained and "нет подключения к интернету" in loaded.message
    assert "URLError" not in loaded.message and "Name or service" not in loaded.message
    [(html_text, plain)] = shown
    assert "cc-callout" in html_text and "\n" not in html_text and "нет подключения к интернету" in html_text
    assert "<code>https://download.pytorch.org/models/vgg16-397923af.pth</code>" in html_text
    assert "СЛУЧАЙНЫМИ" in plain
