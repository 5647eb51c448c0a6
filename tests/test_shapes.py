"""Правила размеров против настоящих слоёв PyTorch; трассировка форм; рецептивное поле."""

import itertools

import pytest
import torch
import torch.nn as nn

import cnn_course as cc
from cnn_course import (
    ShapeMismatchError,
    conv_output_size,
    count_parameters,
    pool_output_size,
    receptive_field,
    sun_regressor,
    trace_shapes,
)

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
POOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_conv_output_size_matches_layers(dims):
    checked = 0
    sizes = [1, 2, 5, 8, 13] if dims < 3 else [3, 8]
    for size, k, s, p, d in itertools.product(sizes, [1, 2, 3, 5], [1, 2, 3], [0, 1, 2, "valid", "same"], [1, 2]):
        if p == "same" and s > 1:
            with pytest.raises(ValueError, match="stride=1"):
                conv_output_size(size, k, s, p, d)
            continue
        pad = 0 if p in ("valid", "same") else p
        if p != "same" and d * (k - 1) + 1 > size + 2 * pad:
            with pytest.raises(ValueError, match="Выход пуст"):
                conv_output_size(size, k, s, p, d)
            continue
        layer = CONV[dims](1, 1, k, stride=s, padding=p, dilation=d)
        out = layer(torch.zeros((1, 1) + (size,) * dims)).shape[2:]
        assert out == (conv_output_size(size, k, s, p, d),) * dims
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_pool_output_size_matches_layers(dims):
    """Формула и слой PyTorch согласны везде: либо оба отказываются, либо размеры равны (и с ceil_mode)."""
    checked = refused = 0
    sizes = [1, 2, 5, 8, 13] if dims < 3 else [2, 3, 8]
    for size, k, s, p, d, ceil in itertools.product(sizes, [1, 2, 3], [None, 1, 2, 3], [0, 1], [1, 2], [False, True]):
        if 2 * p > k:
            with pytest.raises(ValueError, match="половины окна"):
                pool_output_size(size, k, s, p, d, ceil)
            continue
        layer = POOL[dims](k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
        try:
            out = layer(torch.zeros((1, 1) + (size,) * dims)).shape[2:]
        except RuntimeError:
            with pytest.raises(ValueError, match="Выход пуст"):
                pool_output_size(size, k, s, p, d, ceil)
            refused += 1
            continue
        assert out == (pool_output_size(size, k, s, p, d, ceil),) * dims, (size, k, s, p, d, ceil)
        checked += 1
    assert checked > 50 and refused > 0


def test_avg_pool_matches_too():
    for size, k, s, ceil in itertools.product(range(3, 12), [2, 3], [1, 2, 3], [False, True]):
        out = nn.AvgPool2d(k, s, ceil_mode=ceil)(torch.zeros(1, 1, size, size)).shape[-1]
        assert out == pool_output_size(size, k, s, ceil_mode=ceil)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "8"])
def test_bad_sizes(bad):
    with pytest.raises((ValueError, TypeError)):
        conv_output_size(bad, 3)


def sun_model():
    """Модель лекции — из пакета (тест tests/test_data.py сверяет её с кодом лекции дословно)."""
    return sun_regressor(seed=0)


def test_trace_shapes_on_lecture_model():
    model = sun_model()
    trace = trace_shapes(model, (2, 3, 256, 256))
    assert [r.output_shape for r in trace.rows][:3] == [(2, 32, 256, 256), (2, 32, 256, 256), (2, 32, 128, 128)]
    assert trace.rows[9].output_shape == (2, 4096)
    assert trace.total_params == count_parameters(model) == sum(p.numel() for p in model.parameters())
    assert "(2, 4, 32, 32)" in str(trace) and "528\u202f174" in str(trace)
    assert "<table>" in trace._repr_html_() and "Linear" in trace._repr_html_()
    assert model.training  # режим модели восстановлен


def test_trace_shapes_explains_linear_mismatch():
    with pytest.raises(ShapeMismatchError, match=r"«10».*ждёт 4096.*\(1, 2500\).*nn.Linear\(2500, 128\)") as info:
        trace_shapes(sun_model(), (1, 3, 200, 200))
    assert len(info.value.trace.rows) == 10
    assert isinstance(info.value.__cause__, RuntimeError)


def test_trace_shapes_explains_channel_mismatch():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(16, 4, 3))
    with pytest.raises(ShapeMismatchError, match=r"16 входных каналов.*8 каналов"):
        trace_shapes(model, (1, 3, 10, 10))
    with pytest.raises(ShapeMismatchError, match="3 входных каналов"):
        trace_shapes(nn.Sequential(nn.Conv2d(3, 8, 3)), (1, 1, 10, 10))


def test_count_parameters_trainable():
    model = sun_model()
    for p in model[0].parameters():
        p.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == count_parameters(model) - 896
    with pytest.raises(TypeError):
        count_parameters([1, 2])


def measured_rf(layers, size=64):
    """Рецептивное поле «на опыте»: какие пиксели входа влияют на центральный нейрон выхода."""
    model = nn.Sequential(*layers).double()
    for m in model:
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 1.0)
    x = torch.ones(1, 1, size, size, dtype=torch.float64, requires_grad=True)  # ReLU пропускает
    out = model(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = (x.grad[0, 0].abs().sum(dim=1) > 0).nonzero()
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize(
    "spec",
    [
        [("c", 3, 1, 1)],
        [("c", 3, 1, 1), ("c", 3, 1, 1)],
        [("c", 3, 1, 1)] * 3,
        [("c", 5, 1, 1), ("p", 2, 2, 1)],
        [("c", 3, 1, 2), ("c", 3, 1, 1)],
        [("c", 3, 2, 1), ("c", 3, 1, 1), ("p", 3, 2, 1)],
        [("c", 3, 1, 1), ("p", 2, 2, 1), ("c", 3, 1, 1), ("p", 2, 2, 1), ("c", 3, 1, 1), ("p", 2, 2, 1)],
        [("c", 7, 2, 1), ("p", 3, 2, 1), ("c", 3, 1, 3)],
    ],
)
def test_receptive_field_matches_gradient(spec):
    layers = []
    for kind, k, s, d in spec:
        layers.append(nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False) if kind == "c" else nn.AvgPool2d(k, s))
        layers.append(nn.ReLU() if kind == "c" else nn.Identity())
    rf = receptive_field(nn.Sequential(*layers))
    assert rf.size == measured_rf([layer for layer in layers if not isinstance(layer, nn.Identity)])
    stride = 1
    for _, _, s, _ in spec:
        stride *= s
    assert rf.stride == stride


def test_receptive_field_lecture_model_and_errors():
    rf = receptive_field(sun_model())
    assert (rf.size, rf.stride) == (22, 8)
    assert receptive_field([nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)]).size == 5
    from cnn_course import MinPool2d

    with_min = receptive_field([nn.Conv2d(1, 1, 3), MinPool2d(2), nn.Conv2d(1, 1, 3)])
    assert (with_min.size, with_min.stride) == (8, 2)  # MinPool2d меняет поле так же, как MaxPool2d
    with pytest.raises(TypeError, match="Upsample"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2)))


def test_long_shape_table_scrolls_and_groups_digits_russian_style():
    with torch.device("meta"):
        vgg = cc.make_vgg("vgg16")
    page = cc.trace_shapes(vgg, (1, 3, 224, 224))._repr_html_()
    assert page.startswith("<p>39 слоёв, всего параметров 138\u202f357\u202f544;")
    assert 'class="cc-shape-trace"' in page and "overflow-y:auto" in page
    short = cc.trace_shapes(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()), (1, 3, 8, 8))._repr_html_()
    assert short.startswith("<table>") and "cc-shape-trace" not in short
