"""Враждебные проверки численных функций: свёртка, пулинг, формулы размеров, рецептивное поле.

Каждый случай — отдельный параметр pytest: число собранных случаев и есть «попробовано»,
число прошедших — «выдержало».
"""

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnn_course as cc
from cnn_course.models import make_vgg, sun_heatmap_net

INT_DTYPES = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]


# --- B1: MinPool на целых ------------------------------------------------------------------------


def test_minpool_uint8_review_case():
    x = torch.tensor([[[[0, 5], [200, 3]]]], dtype=torch.uint8)
    assert cc.MinPool2d(2)(x).item() == 0
    x8 = torch.tensor([[[[-128, 5], [100, 3]]]], dtype=torch.int8)
    assert cc.MinPool2d(2)(x8).item() == -128


def _reference_min(x, dims, k, s, p, d, ceil):
    """Минимум «в лоб» через float64 (точно для этих значений) и max_pool на −x."""
    pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[dims]
    return -pool(-x.double(), k, s, p, d, ceil_mode=ceil)


@pytest.mark.parametrize("dtype", INT_DTYPES + [torch.float32, torch.float64])
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize(
    "k,s,p,d,ceil", [(2, None, 0, 1, False), (3, 2, 1, 1, True), (2, 1, 1, 2, False), (3, 3, 0, 1, True)]
)
def test_minpool_all_dtypes_match_reference(dtype, dims, k, s, p, d, ceil):
    gen = torch.Generator().manual_seed(dims * 7 + k)
    info = torch.iinfo(dtype) if not dtype.is_floating_point else None
    lo, hi = (info.min, info.max) if info and info.bits <= 16 else (-1000, 1000)
    shape = (2, 3) + (7,) * dims
    x = torch.randint(lo, hi + 1, shape, generator=gen).to(dtype)
    x.view(-1)[0] = lo  # крайние значения типа
    x.view(-1)[-1] = hi
    layer = {1: cc.MinPool1d, 2: cc.MinPool2d, 3: cc.MinPool3d}[dims](k, s, p, d, ceil_mode=ceil)
    out = layer(x)
    assert out.dtype == dtype
    assert torch.equal(out.double(), _reference_min(x, dims, k, s, p, d, ceil))
    values, idx = {1: cc.MinPool1d, 2: cc.MinPool2d, 3: cc.MinPool3d}[dims](k, s, p, d, True, ceil)(x)
    assert torch.equal(values, out)
    flat = x.flatten(2)
    assert torch.equal(flat.gather(2, idx.flatten(2)), values.flatten(2))  # индексы указывают на минимумы


@pytest.mark.parametrize(
    "bad, exc",
    [
        (dict(kernel_size=0), ValueError),
        (dict(kernel_size=-1), ValueError),
        (dict(kernel_size="2"), TypeError),
        (dict(kernel_size=2, padding=2), ValueError),
        (dict(kernel_size=2, ceil_mode="no"), TypeError),
        (dict(kernel_size=2.0), TypeError),
        (dict(kernel_size=(2, 2, 2)), ValueError),
    ],
)
def test_minpool_bad_arguments(bad, exc):
    with pytest.raises(exc, match="[а-яё]"):
        cc.MinPool2d(**bad)


@pytest.mark.parametrize(
    "x, exc",
    [
        (torch.ones(1, 1, 4, 4, dtype=torch.bool), TypeError),
        ([[1.0, 2.0]], TypeError),
        (None, TypeError),
        (torch.ones(4), ValueError),
        (torch.ones(1, 1, 1, 2, 2), ValueError),
        (torch.ones(1, 1, 1, 1), ValueError),
    ],
)
def test_minpool_bad_inputs(x, exc):
    with pytest.raises(exc, match="[а-яё]"):
        cc.MinPool2d(2)(x)


def test_minpool_oversize_kernel_and_int_1d():
    with pytest.raises(ValueError, match="Выход пуст"):
        cc.MinPool1d(100)(torch.ones(1, 1, 5))
    assert cc.MinPool1d(2)(torch.tensor([[[3, 1, 7, 2]]])).tolist() == [[[1, 2]]]


# --- B2, B6, B7, B10 и соседи ---------------------------------------------------------------------

CONVS = [cc.conv2d_naive, cc.conv2d_im2col]


@pytest.mark.parametrize("conv", CONVS)
@pytest.mark.parametrize("wshape", [(4, 3, 0, 0), (4, 3, 0, 3), (4, 3, 3, 0), (0, 3, 3, 3)])
def test_empty_kernels_refused(conv, wshape):
    with pytest.raises(ValueError, match="пустое ядро"):
        conv(torch.randn(2, 3, 6, 6), torch.randn(*wshape))


@pytest.mark.parametrize("conv", CONVS)
@pytest.mark.parametrize(
    "xd, wd, bd",
    [
        (torch.float32, torch.float32, torch.float64),
        (torch.float64, torch.float64, torch.float32),
        (torch.float32, torch.float64, None),
    ],
)
def test_mixed_dtypes_refused_like_torch(conv, xd, wd, bd):
    x, w = torch.randn(1, 2, 5, 5, dtype=xd), torch.randn(3, 2, 3, 3, dtype=wd)
    b = None if bd is None else torch.randn(3, dtype=bd)
    with pytest.raises(RuntimeError):
        F.conv2d(x, w, b)
    with pytest.raises(TypeError, match="одного типа|того же типа"):
        conv(x, w, b)


@pytest.mark.parametrize("conv", CONVS)
def test_zero_batch_like_torch(conv):
    x, w = torch.randn(0, 3, 6, 6), torch.randn(4, 3, 3, 3)
    assert conv(x, w, torch.randn(4)).shape == F.conv2d(x, w).shape == (0, 4, 4, 4)


@pytest.mark.parametrize("conv", CONVS)
def test_huge_nested_list_message_is_short(conv):
    with pytest.raises(TypeError) as info:
        conv([[[[0.0] * 200] * 200] * 3], torch.randn(1, 3, 3, 3))
    assert len(str(info.value)) < 400 and "torch.tensor" in str(info.value)


@pytest.mark.parametrize("shape", [(1, 1, 0, 4), (1, 1, 4, 0), (1, 1, 0, 0)])
@pytest.mark.parametrize("mode", cc.POOL_MODES)
def test_pool2d_naive_zero_size_refused(shape, mode):
    with pytest.raises(ValueError, match="пустая картинка"):
        cc.pool2d_naive(torch.randn(*shape), 1, mode=mode)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8, torch.bool, "float32", None])
def test_classic_kernel_needs_float_dtype(dtype):
    with pytest.raises(TypeError, match="вещественный"):
        cc.classic_kernel("box_blur", dtype=dtype)


@pytest.mark.parametrize("args", [(0,), (-1,), (3, 0), ("3",), (2.0,)])
def test_same_padding_refuses_bad_sizes(args):
    with pytest.raises((TypeError, ValueError), match="[а-яё]"):
        cc.same_padding(*args)


@pytest.mark.parametrize(
    "layers, exc",
    [
        ([{"kind": "conv2d", "kernel_size": 3, "stride": 1, "padding": 0}], ValueError),
        ([{"kind": "conv", "kernel_size": 3, "stride": 1, "padding": 0, "out_channels": 0}], ValueError),
        ([{"kind": "conv", "kernel_size": 3, "stride": 1, "padding": 0}], ValueError),
        ([{"kind": "maxpool", "kernel_size": "3", "stride": 1, "padding": 0}], TypeError),
        (["conv"], TypeError),
        ("conv", TypeError),
        (None, TypeError),
    ],
)
def test_shape_table_refuses_bad_layers(layers, exc):
    with pytest.raises(exc, match="[а-яё]"):
        cc.shape_table(32, 3, layers)


def test_same_with_stride_is_explained_not_called_impossible():
    with pytest.raises(ValueError) as info:
        cc.conv2d_naive(torch.randn(1, 1, 6, 6), torch.randn(1, 1, 3, 3), stride=2, padding="same")
    text = str(info.value)
    assert "невозможно" not in text and "⌈H / stride⌉" in text and "PyTorch" in text


# --- формулы размеров против PyTorch на всей малой сетке -------------------------------------------


def _agree(layer_fn, formula):
    """Либо оба отказываются, либо размеры равны. Возвращает 'ok' или 'refused'."""
    try:
        got = layer_fn()
    except RuntimeError:
        with pytest.raises(ValueError, match="[а-яё]"):
            formula()
        return "refused"
    assert got == formula()
    return "ok"


@pytest.mark.parametrize("kind", ["max1d", "max2d", "avg1d", "avg2d"])
def test_pool_formula_whole_small_grid(kind):
    counts = {"ok": 0, "refused": 0}
    dil = [1, 2, 3] if kind.startswith("max") else [1]
    for size, k, s, p, d, ceil in itertools.product(
        range(1, 9), range(1, 6), [None, 1, 2, 3, 4], range(0, 3), dil, [False, True]
    ):
        if 2 * p > k:
            with pytest.raises(ValueError, match="половины окна"):
                cc.pool_output_size(size, k, s, p, d, ceil)
            continue
        if kind == "max1d":
            layer = nn.MaxPool1d(k, s, p, d, ceil_mode=ceil)
            shape = (1, 1, size)
        elif kind == "max2d":
            layer = nn.MaxPool2d(k, s, p, d, ceil_mode=ceil)
            shape = (1, 1, size, size)
        elif kind == "avg1d":
            layer = nn.AvgPool1d(k, s, p, ceil_mode=ceil)
            shape = (1, 1, size)
        else:
            layer = nn.AvgPool2d(k, s, p, ceil_mode=ceil)
            shape = (1, 1, size, size)
        counts[
            _agree(lambda: layer(torch.zeros(shape)).shape[-1], lambda: cc.pool_output_size(size, k, s, p, d, ceil))
        ] += 1
    assert counts["ok"] > 300 and counts["refused"] > 10, counts


def test_review_ceil_case():
    assert (
        cc.pool_output_size(2, 3, ceil_mode=True)
        == 1
        == nn.MaxPool2d(3, ceil_mode=True)(torch.zeros(1, 1, 2, 2)).shape[-1]
    )


def test_conv_formula_whole_small_grid():
    counts = {"ok": 0, "refused": 0}
    for size, k, s, p, d in itertools.product(
        range(1, 9), range(1, 6), range(1, 4), [0, 1, 2, "valid", "same"], [1, 2, 3]
    ):
        if p == "same" and s > 1:
            with pytest.raises(ValueError, match="stride=1"):
                cc.conv_output_size(size, k, s, p, d)
            continue
        layer = nn.Conv1d(1, 1, k, s, p, d)
        counts[
            _agree(lambda: layer(torch.zeros(1, 1, size)).shape[-1], lambda: cc.conv_output_size(size, k, s, p, d))
        ] += 1
    assert counts["ok"] > 300 and counts["refused"] > 10, counts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 2),
    c=st.integers(1, 3),
    f=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    sh=st.integers(1, 3),
    sw=st.integers(1, 3),
    ph=st.integers(0, 2),
    pw=st.integers(0, 2),
    dh=st.integers(1, 2),
    dw=st.integers(1, 2),
    bias=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_both_convolutions_match_torch_float64(n, c, f, h, w, kh, kw, sh, sw, ph, pw, dh, dw, bias, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, h, w, dtype=torch.float64, generator=g)
    weight = torch.randn(f, c, kh, kw, dtype=torch.float64, generator=g)
    b = torch.randn(f, dtype=torch.float64, generator=g) if bias else None
    args = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    try:
        expected = F.conv2d(x, weight, b, **args)
    except RuntimeError:
        for conv in CONVS:
            with pytest.raises(ValueError, match="[а-яё]"):
                conv(x, weight, b, **args)
        return
    for conv in CONVS:
        torch.testing.assert_close(conv(x, weight, b, **args), expected, rtol=1e-10, atol=1e-10)


# --- рецептивное поле: листья любых моделей против градиента ---------------------------------------


def _as_avg(model):
    """Та же геометрия, но MaxPool → AvgPool: градиент идёт во все клетки окна (для измерения)."""
    for name, child in model.named_children():
        if isinstance(child, nn.MaxPool2d):
            setattr(model, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding))
        else:
            _as_avg(child)
    return model


def measured_field(model, size, channels=3):
    """Сколько строк входа влияет на центральный нейрон последней пространственной карты."""
    model = _as_avg(model).double().eval()
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.constant_(m.weight, 0.01)
    x = torch.ones(1, channels, size, size, dtype=torch.float64, requires_grad=True)
    out = model(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = (x.grad[0].abs().sum(dim=(0, 2)) > 0).nonzero()
    return int(rows.max() - rows.min() + 1)


class Holder(nn.Module):
    """Своя модель, внутри которой Sequential (и слой вне его)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 5, padding=2)
        self.body = nn.Sequential(
            nn.BatchNorm2d(4), nn.Hardswish(), nn.MaxPool2d(2), nn.Sequential(nn.Conv2d(4, 4, 3, dilation=2), nn.ReLU())
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.body(self.stem(x)))


def _features_of(model):
    return {
        "vgg": lambda m: m.features,
        "holder": lambda m: nn.Sequential(m.stem, m.body),
        "heat": lambda m: m[:-1],
        "resnet": lambda m: nn.Sequential(*list(m.children())[:-2]),
    }


@pytest.mark.parametrize(
    "name, build, size",
    [
        ("vgg", lambda: make_vgg("vgg-mini-64", seed=0), 96),
        ("vgg", lambda: make_vgg([8, "M", 8, 8, "M", 8], seed=0), 64),
        ("holder", Holder, 48),
        ("heat", lambda: sun_heatmap_net(width=2, image_size=64, seed=0), 48),
        ("resnet", lambda: torchvision.models.resnet18(), 480),
    ],
)
def test_receptive_field_of_whole_models_is_exact_or_refused(name, build, size):
    model = build()
    spatial = _features_of(model)[name](model)
    if name in ("heat",):  # целая модель — цепочка Sequential: голова с soft-argmax останавливает подсчёт
        assert cc.receptive_field(model).size == measured_field(spatial, size)
    else:  # свой forward: порядок слоёв не виден — отказ с именем модели, а не неверное число
        with pytest.raises(TypeError, match=type(model).__name__):
            cc.receptive_field(model)
    if name != "resnet":  # блоки ResNet складывают ветви в своём forward — отказ и для их цепочки
        assert cc.receptive_field(spatial).size == measured_field(spatial, size)


def test_receptive_field_vgg16_and_pointwise_layers():
    assert cc.receptive_field(make_vgg("vgg16").features) == cc.ReceptiveField(212, 32)
    for layer in (nn.GroupNorm(1, 1), nn.Hardswish(), nn.InstanceNorm2d(1), nn.Mish(), nn.ZeroPad2d(1)):
        assert cc.receptive_field([nn.Conv2d(1, 1, 3), layer, nn.Conv2d(1, 1, 3)]).size == 5
    with pytest.raises(TypeError, match="Upsample"):
        cc.receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2)))
    for bad in (None, "conv", 3):
        with pytest.raises(TypeError, match="ожидалась модель"):
            cc.receptive_field(bad)


@pytest.mark.parametrize(
    "shape, exc, text",
    [
        ((1, 3, 64), cc.ShapeMismatchError, "4 измерениями"),
        (256, TypeError, "кортеж"),
        ((1, 3, 0, 64), ValueError, "≥ 1"),
        ((1, 3, 100000, 100000), ValueError, "слишком много"),
        ((1, 3, "64", 64), TypeError, "целое"),
    ],
)
def test_trace_shapes_bad_shapes(shape, exc, text):
    with pytest.raises(exc, match=text):
        cc.trace_shapes(cc.sun_regressor(), shape)


def test_trace_shapes_none_model():
    with pytest.raises(TypeError, match="nn.Module"):
        cc.trace_shapes(None, (1, 3, 8, 8))
