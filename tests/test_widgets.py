"""Виджеты: чистая логика против PyTorch, а сами виджеты реагируют на ползунки."""

import re

import ipywidgets as widgets
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import cnn_course as cc
from cnn_course import conv_step, explorer_kernel, integer_grid
from cnn_course.widgets import conv_explorer, kernel_editor


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2, "same"])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv_step_matches_torch(k, stride, padding, dilation):
    img = integer_grid(7, 6, seed=k).double()
    kernel = explorer_kernel(k).double()
    if padding == "same" and stride > 1:
        with pytest.raises(ValueError, match="stride=1"):
            conv_step(img, kernel, stride=stride, padding=padding, dilation=dilation)
        return
    if padding != "same" and dilation * (k - 1) + 1 > 6 + 2 * padding:
        with pytest.raises(ValueError, match="Ядро больше входа"):
            conv_step(img, kernel, stride=stride, padding=padding, dilation=dilation)
        return
    expected = F.conv2d(
        img[None, None],
        kernel[None, None],
        torch.tensor([1.5], dtype=torch.float64),
        stride=stride,
        padding=padding,
        dilation=dilation,
    )[0, 0]
    for row in range(expected.shape[0]):
        for col in range(expected.shape[1]):
            step = conv_step(img, kernel, bias=1.5, stride=stride, padding=padding, dilation=dilation, row=row, col=col)
            torch.testing.assert_close(step.output, expected)
            assert step.z == pytest.approx(float(expected[row, col]))
            # слагаемые формулы действительно дают z
            assert sum(w * x for w, x in step.terms) + 1.5 == pytest.approx(step.z)
            assert len(step.window) == k * k
            shown = step.formula().rsplit("= ", 1)[1].strip("()")  # по-русски: «−3,50»
            assert float(shown.replace("−", "-").replace(",", ".")) == pytest.approx(step.z, abs=0.005)


def test_conv_step_clamps_position():
    step = conv_step(integer_grid(), explorer_kernel(3), row=99, col=-4)
    assert (step.row, step.col) == (3, 0)


def test_conv_explorer_reacts_to_every_slider():
    w = conv_explorer()
    size, formula, picture = (w.views[k] for k in ("size", "formula", "picture"))
    assert "выход 4×4" in size.value and bytes(picture.value).startswith(b"\x89PNG")
    seen = {(size.value, formula.value, bytes(picture.value))}
    for name, value in [
        ("stride", 2),
        ("padding", 1),
        ("dilation", 2),
        ("bias", 3),
        ("kernel_size", 2),
        ("row", 1),
        ("col", 1),
    ]:
        w.controls[name].value = value
        state = (size.value, formula.value, bytes(picture.value))
        assert state not in seen, f"виджет не изменился после {name}={value}"
        seen.add(state)
    # stride=2, padding=1, dilation=2, ядро 2: (6 + 2 - 2 - 1) // 2 + 1 = 3
    assert "выход 3×3" in size.value
    assert w.controls["row"].max == 2
    assert "+ 3 =" in formula.value


def test_conv_explorer_flags_impossible_config_and_recovers():
    w = conv_explorer()
    w.controls["kernel_size"].value = 5
    w.controls["dilation"].value = 3
    assert "Так нельзя" in w.views["size"].value and "Ядро больше входа" in w.views["size"].value
    w.controls["dilation"].value = 1
    assert "выход 2×2" in w.views["size"].value


def test_position_slider_limits_follow_output_size():
    w = conv_explorer()
    w.controls["row"].value = 3
    w.controls["stride"].value = 3  # выход 2×2: строка 3 недопустима
    assert w.controls["row"].max == 1 and w.controls["row"].value == 1
    assert "z[1,0]" in w.views["formula"].value


def test_kernel_editor_reacts():
    img = torch.rand(1, 24, 24, generator=torch.Generator().manual_seed(0))
    w = kernel_editor(img)
    stats, picture = w.views["stats"], w.views["picture"]
    first = (stats.value, bytes(picture.value))
    assert "max = " in stats.value
    w.views["preset"].value = "sobel_x"
    assert [w.controls[f"w0{c}"].value for c in range(3)] == [-1.0, 0.0, 1.0]
    after_preset = (stats.value, bytes(picture.value))
    assert after_preset != first
    w.controls["activation"].value = "relu"
    assert "min = 0,000" in stats.value
    w.controls["bias"].value = 0.5
    assert (stats.value, bytes(picture.value)) != after_preset
    # числа ползунков — по-русски в строке статистики, сами ползунки их не показывают (там была бы точка)
    assert "Ядро по строкам: −1 0 1 | −2 0 2 | −1 0 1; смещение b = 0,5" in stats.value
    assert not any(getattr(c, "readout", False) for name, c in w.controls.items() if name != "activation")
    before_center = (stats.value, bytes(picture.value))
    w.controls["w11"].value = 2.0  # центральный вес ядра: показанная карта должна измениться
    assert (stats.value, bytes(picture.value)) != before_center and bytes(picture.value).startswith(b"\x89PNG")


from cnn_course import pool_step, shape_table  # noqa: E402
from cnn_course.widgets import pool_explorer, shape_calculator  # noqa: E402


@pytest.mark.parametrize("mode", ["max", "min", "avg"])
@pytest.mark.parametrize("k,stride", [(1, None), (2, None), (3, None), (2, 1), (3, 2), (4, 1)])
def test_pool_step_matches_torch(mode, k, stride):
    img = integer_grid(7, 6, seed=k).double()
    x = img[None, None]
    expected = {
        "max": F.max_pool2d(x, k, stride),
        "min": -F.max_pool2d(-x, k, stride),
        "avg": F.avg_pool2d(x, k, stride),
    }[mode][0, 0]
    for row in range(expected.shape[0]):
        for col in range(expected.shape[1]):
            step = pool_step(img, k, stride, mode, row, col)
            torch.testing.assert_close(step.output, expected)
            assert step.value == pytest.approx(float(expected[row, col]))
            chosen = [float(img[r, c]) for r, c in step.chosen]
            if mode == "avg":
                assert sum(chosen) / len(chosen) == pytest.approx(step.value)
            else:
                assert chosen == [step.value] and step.chosen[0] in step.window


def test_shape_table_matches_real_layers():
    import itertools

    kinds = {
        "conv": lambda c_in, spec: nn.Conv2d(
            c_in, spec["out_channels"], spec["kernel_size"], spec["stride"], spec["padding"]
        ),
        "maxpool": lambda c_in, spec: nn.MaxPool2d(spec["kernel_size"], spec["stride"], spec["padding"]),
        "avgpool": lambda c_in, spec: nn.AvgPool2d(spec["kernel_size"], spec["stride"], spec["padding"]),
    }
    checked = 0
    for size, (k1, k2), s, p, kind in itertools.product(
        [7, 16, 31], [(3, 2), (5, 3), (2, 2)], [1, 2], [0, 1], ["maxpool", "avgpool"]
    ):
        layers = [
            dict(kind="conv", kernel_size=k1, stride=s, padding=p, out_channels=5),
            dict(kind="none", kernel_size=9, stride=1, padding=0, out_channels=1),
            dict(kind=kind, kernel_size=k2, stride=s, padding=p, out_channels=1),
        ]
        rows = shape_table(size, 3, layers)
        x = torch.zeros(1, 3, size, size)
        channels = 3
        for row, layer in zip(rows[1:], [layers[0], layers[2]]):
            try:
                x = kinds[layer["kind"]](channels, layer)(x)
            except RuntimeError:
                assert row.error, row
                break
            channels = x.shape[1]
            assert row.error is None and row.shape == tuple(x.shape), (row, x.shape)
            checked += 1
    assert checked > 50


def test_pool_explorer_reacts():
    w = pool_explorer()
    size, value, picture = w.views["size"], w.views["value"], w.views["picture"]
    assert "выход 3×3" in size.value and "максимум" in value.value
    seen = {(size.value, value.value, bytes(picture.value))}
    for name, v in [("mode", "min"), ("mode", "avg"), ("kernel_size", 3), ("stride", 1), ("row", 2), ("col", 1)]:
        w.controls[name].value = v
        state = (size.value, value.value, bytes(picture.value))
        assert state not in seen, f"виджет не изменился после {name}={v}"
        seen.add(state)
    assert "выход 4×4" in size.value and "среднее" in value.value
    w.controls["kernel_size"].value = 4
    w.controls["stride"].value = 4  # окно 4, шаг 4 на 6×6: выход 1×1
    assert "выход 1×1" in size.value and w.controls["row"].max == 0


def test_pool_explorer_flags_window_too_large():
    w = pool_explorer(torch.arange(9.0).view(3, 3))
    w.controls["kernel_size"].value = 4
    assert "Так нельзя" in w.views["size"].value and "больше входа" in w.views["size"].value


def test_shape_calculator_reacts_and_flags():
    w = shape_calculator()
    table = w.views["table"]
    assert "(1, 32, 16, 16)" in table.value  # 64 → conv → pool → conv → pool
    w.controls["size"].value = 32
    assert "(1, 32, 8, 8)" in table.value
    w.controls["channels2"].value = 10
    assert "(1, 10, 8, 8)" in table.value
    w.controls["kind3"].value = "none"
    assert "(1, 10, 16, 16)" in table.value and "4. MaxPool2d" not in table.value
    w.controls["size"].value = 4
    w.controls["kernel2"].value = 7
    assert "невозможно" in table.value and "Выход пуст" in table.value


def test_shape_calculator_speaks_russian_and_hides_what_does_nothing():
    w = shape_calculator()
    labels = [c.description for c in w.controls.values()]
    assert not any(re.search(r"[A-Za-z]{3,}", label) for label in labels), labels
    assert dict(w.controls["kind1"].options)["max-пулинг"] == "maxpool"
    assert w.controls["channels1"].layout.display == "none"  # у пулинга нет фильтров
    assert w.controls["channels0"].layout.display is None
    w.controls["kind1"].value = "conv"
    assert w.controls["channels1"].layout.display is None
    w.controls["kind1"].value = "none"
    assert all(w.controls[f"{n}1"].layout.display == "none" for n in ("kernel", "stride", "padding", "channels"))


# --- что видит ученик: размеры рисунков, скрытые картинки, подписи, классификатор ---------------

import io  # noqa: E402

from PIL import Image  # noqa: E402

from cnn_course.explore import preset_name, short_number  # noqa: E402
from cnn_course.plotting import CSS_DPI  # noqa: E402


def _picture_contract(view):
    """Рисунок показан шириной layout.width CSS-пикселей, в PNG вдвое больше точек, высота — auto."""
    width = int(view.layout.width.removesuffix("px"))
    png_w, _ = Image.open(io.BytesIO(bytes(view.value))).size
    assert abs(png_w - 2 * width) <= 2, (png_w, width)
    assert view.layout.height == "auto" and view.layout.max_width == "100%"
    assert view.layout.display is None
    return width


@pytest.mark.parametrize("make", [conv_explorer, pool_explorer, lambda: kernel_editor(size=64)])
def test_explorer_pictures_are_drawn_for_their_display_width(make):
    w = make()
    width = _picture_contract(w.views["picture"])
    assert width <= 640  # помещается в урок шириной 1100 пикс. с открытой панелью файлов
    assert width == round(6.6 * CSS_DPI)


def test_impossible_setting_hides_the_picture_without_a_broken_image():
    w = conv_explorer()
    w.controls["kernel_size"].value = 5
    w.controls["dilation"].value = 3
    picture = w.views["picture"]
    assert picture.layout.display == "none"
    assert Image.open(io.BytesIO(bytes(picture.value))).size == (1, 1)  # не пустые байты: не «битая»
    assert "dilation=(3, 3)" not in w.views["size"].value and "Так нельзя" in w.views["size"].value
    w.controls["dilation"].value = 1
    _picture_contract(picture)


def test_sliders_have_room_for_labels_and_tracks():
    for w in (conv_explorer(), pool_explorer(), shape_calculator(), kernel_editor(size=32)):
        for name, control in w.controls.items():
            if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
                assert control.layout.min_width, f"{name}: ширина ползунка не задана"


def test_kernel_editor_preset_follows_manual_weights():
    w = kernel_editor(size=32)
    preset = w.views["preset"]
    w.controls["w00"].value = 2.0
    assert preset.value == "custom"
    preset.value = "sobel_x"
    assert preset.value == "sobel_x" and w.controls["w00"].value == -1.0
    w.controls["w11"].value = 1.0
    assert preset.value == "custom"
    w.controls["w11"].value = 0.0  # вернули как было — снова Собель
    assert preset.value == "sobel_x"


def test_preset_name_and_short_number():
    from cnn_course.conv import classic_kernel

    assert preset_name(classic_kernel("laplacian")) == "laplacian"
    assert preset_name(torch.ones(3, 3)) == "custom"
    assert preset_name(torch.zeros(5, 5)) == "custom"
    assert short_number(6.444444) == "6,44" and short_number(-0.0) == "0" and short_number(8.0) == "8"


def test_pool_explorer_prints_the_same_average_as_the_picture():
    w = pool_explorer()
    w.controls["mode"].value = "avg"
    w.controls["kernel_size"].value = 3
    w.controls["stride"].value = 1
    text = w.views["value"].value
    assert re.search(r"среднее = <b>\d+(,\d\d)?</b>", text), text
    assert "." not in re.sub(r"<[^>]+>", "", text)


def _classifier():
    from cnn_course.pretrained import weights_for
    from cnn_course.widgets import image_classifier

    model = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 1000))
    return image_classifier(model, weights_for("vgg11"), pretrained=False)


def _upload(w, name: str, content: bytes) -> None:
    import datetime

    when = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    w.controls["upload"].value = (
        {"name": name, "type": "", "size": len(content), "content": memoryview(content), "last_modified": when},
    )


def test_classifier_shows_the_image_it_classifies():
    w = _classifier()
    photo = w.views["photo"]
    assert photo.layout.display is None and int(photo.layout.width.removesuffix("px")) <= 224
    _picture_contract(w.views["picture"])
    buf = io.BytesIO()
    Image.new("RGB", (300, 150), (200, 30, 30)).save(buf, format="PNG")
    _upload(w, "red.png", buf.getvalue())
    assert "ваш файл: red.png" in w.views["table"].value
    assert photo.layout.width == "150px"  # 300×150 → превью 224 CSS-пикселя не больше оригинала / 2
    assert w.data["results"]


def test_classifier_explains_a_non_image_in_russian():
    w = _classifier()
    _upload(w, "notes.txt", b"not an image at all")
    table = w.views["table"].value
    assert "не похож на картинку" in table and "«notes.txt»" in table
    assert "Error" not in table and "BytesIO" not in table and "0x" not in table
    for view in ("photo", "picture"):
        assert w.views[view].layout.display == "none"
        assert len(bytes(w.views[view].value)) > 0


def test_explorers_and_animations_share_one_grid_check():
    bad = torch.ones(4, 4)
    bad[0, 0] = float("nan")
    from cnn_course.widgets import conv_explorer, pool_explorer

    for build in (conv_explorer, pool_explorer, cc.animate_pool):
        with pytest.raises(ValueError, match="NaN или бесконечность"):
            build(image=bad)
    with pytest.raises(TypeError, match="ожидались числа"):
        cc.animate_pool(image=torch.ones(4, 4, dtype=torch.bool))
