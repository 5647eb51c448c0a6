"""Свёртка своими руками против torch.nn.functional.conv2d (float64, сотни сочетаний)."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_course import (
    KERNEL_NAMES,
    activation,
    classic_kernel,
    classic_kernels,
    conv2d_im2col,
    conv2d_naive,
    filter_image,
    same_padding,
)

FUNCS = [conv2d_naive, conv2d_im2col]


@st.composite
def conv_case(draw):
    n = draw(st.integers(1, 2))
    c = draw(st.integers(1, 3))
    f = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    same = draw(st.booleans()) and draw(st.booleans())
    if same:
        stride, padding = 1, "same"
        ph = pw = 0
    else:
        stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
        padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just("valid")))
        ph, pw = (0, 0) if padding == "valid" else (padding if isinstance(padding, tuple) else (padding, padding))
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    h = draw(st.integers(max(1, eh - 2 * ph), max(1, eh - 2 * ph) + 5))
    w = draw(st.integers(max(1, ew - 2 * pw), max(1, ew - 2 * pw) + 5))
    dilation = (dh, dw) if draw(st.booleans()) else (dh if dh == dw else (dh, dw))
    use_bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return n, c, f, h, w, kh, kw, stride, padding, dilation, use_bias, seed


@pytest.mark.parametrize("func", FUNCS, ids=lambda f: f.__name__)
@settings(max_examples=250, deadline=None)
@given(case=conv_case())
def test_matches_torch(func, case):
    n, c, f, h, w, kh, kw, stride, padding, dilation, use_bias, seed = case
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(f, c, kh, kw, generator=g, dtype=torch.float64)
    bias = torch.randn(f, generator=g, dtype=torch.float64) if use_bias else None
    expected = F.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
    got = func(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("func", FUNCS, ids=lambda f: f.__name__)
def test_matches_nn_conv2d_layer(func):
    torch.manual_seed(0)
    layer = torch.nn.Conv2d(3, 5, (2, 3), stride=(2, 1), padding=1, dilation=(1, 2)).double()
    x = torch.randn(2, 3, 9, 7, dtype=torch.float64)
    torch.testing.assert_close(func(x, layer.weight, layer.bias, (2, 1), 1, (1, 2)), layer(x))


@pytest.mark.parametrize("k,d,expected", [(3, 1, (1, 1)), (4, 1, (1, 2)), (2, 3, (1, 2)), (1, 1, (0, 0))])
def test_same_padding(k, d, expected):
    assert same_padding(k, d) == expected


@pytest.mark.parametrize("func", FUNCS, ids=lambda f: f.__name__)
class TestBadInput:
    def test_not_a_tensor(self, func):
        with pytest.raises(TypeError, match="ожидался torch.Tensor"):
            func([[1.0]], torch.zeros(1, 1, 1, 1))

    def test_wrong_ndim_mentions_batch(self, func):
        with pytest.raises(ValueError, match=r"4 измерениями.*\(3, 8, 8\).*unsqueeze"):
            func(torch.zeros(3, 8, 8), torch.zeros(2, 3, 3, 3))

    def test_weight_ndim(self, func):
        with pytest.raises(ValueError, match=r"weight.*\(F, C, KH, KW\)"):
            func(torch.zeros(1, 3, 8, 8), torch.zeros(3, 3, 3))

    def test_channel_mismatch(self, func):
        with pytest.raises(ValueError, match=r"каналов не совпадает.*3.*1"):
            func(torch.zeros(1, 3, 8, 8), torch.zeros(2, 1, 3, 3))

    def test_kernel_larger_than_padded_input(self, func):
        with pytest.raises(ValueError, match=r"Ядро больше входа.*5×5.*4×4"):
            func(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 5, 5), padding=1)

    def test_dilated_kernel_too_large(self, func):
        with pytest.raises(ValueError, match=r"Ядро больше входа.*7×7"):
            func(torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 3, 3), dilation=3)

    def test_same_with_stride(self, func):
        with pytest.raises(ValueError, match=r"padding='same'.*stride=1.*Keras"):
            func(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 3, 3), stride=2, padding="same")

    def test_unknown_padding_string(self, func):
        with pytest.raises(ValueError, match=r"'valid', 'same'.*'full'"):
            func(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 3, 3), padding="full")

    @pytest.mark.parametrize(
        "kwargs,exc",
        [
            ({"stride": 0}, ValueError),
            ({"padding": -1}, ValueError),
            ({"dilation": 0}, ValueError),
            ({"stride": 1.5}, TypeError),
            ({"stride": (1, 2, 3)}, ValueError),
        ],
    )
    def test_bad_hyperparameters(self, func, kwargs, exc):
        with pytest.raises(exc):
            func(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 3, 3), **kwargs)

    def test_bias_shape(self, func):
        with pytest.raises(ValueError, match=r"bias: ожидалась форма \(2,\)"):
            func(torch.zeros(1, 1, 8, 8), torch.zeros(2, 1, 3, 3), torch.zeros(3))

    def test_integer_input(self, func):
        with pytest.raises(TypeError, match="вещественный"):
            func(torch.zeros(1, 1, 8, 8, dtype=torch.int64), torch.zeros(1, 1, 3, 3))

    def test_dtype_mismatch(self, func):
        with pytest.raises(TypeError, match="одного типа"):
            func(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 3, 3, dtype=torch.float64))


def test_classic_kernels():
    kernels = classic_kernels()
    assert (
        set(kernels)
        == set(KERNEL_NAMES)
        >= {"identity", "box_blur", "gaussian_blur", "sharpen", "sobel_x", "sobel_y", "laplacian", "emboss"}
    )
    for name, k in kernels.items():
        assert k.shape == (3, 3), name
    torch.testing.assert_close(kernels["box_blur"].sum(), torch.tensor(1.0))
    torch.testing.assert_close(kernels["gaussian_blur"].sum(), torch.tensor(1.0))
    assert kernels["sobel_x"].sum() == 0 and kernels["laplacian"].sum() == 0
    torch.testing.assert_close(kernels["sobel_y"], kernels["sobel_x"].T)
    # копия: изменение одного ядра не портит следующее
    kernels["identity"][1, 1] = 7
    assert classic_kernel("identity")[1, 1] == 1
    with pytest.raises(ValueError, match="sobel"):
        classic_kernel("sobel")


def test_filter_image_identity_and_shape():
    img = torch.rand(1, 12, 10, dtype=torch.float64)
    out = filter_image(img, classic_kernel("identity", torch.float64))
    torch.testing.assert_close(out, img[0])
    out = filter_image(img[0], classic_kernel("sobel_x", torch.float64), bias=-0.5, act="relu")
    expected = torch.relu(F.conv2d(img[None], classic_kernel("sobel_x", torch.float64)[None, None], padding=1) - 0.5)[
        0, 0
    ]
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize(
    "name,fn", [("relu", torch.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("none", lambda z: z)]
)
def test_activation(name, fn):
    z = torch.linspace(-3, 3, 13, dtype=torch.float64)
    torch.testing.assert_close(activation(z, name), fn(z))


def test_activation_unknown():
    with pytest.raises(ValueError, match="softmax"):
        activation(torch.zeros(2), "softmax")
