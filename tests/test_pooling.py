"""Пулинг своими руками и MinPool1d/2d/3d против PyTorch (float64, сетки параметров)."""

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_course import MinPool1d, MinPool2d, MinPool3d, pool2d_naive


def reference(x, k, s, p, mode):
    if mode == "max":
        return F.max_pool2d(x, k, s, p)
    if mode == "min":
        return -F.max_pool2d(-x, k, s, p)
    return F.avg_pool2d(x, k, s, p)


@st.composite
def pool_case(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    k = (kh, kw) if draw(st.booleans()) else kh
    kk = k if isinstance(k, tuple) else (k, k)
    stride = draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    p = (draw(st.integers(0, kk[0] // 2)), draw(st.integers(0, kk[1] // 2)))
    padding = p if draw(st.booleans()) else min(p)
    pp = padding if isinstance(padding, tuple) else (padding, padding)
    h = draw(st.integers(max(1, kk[0] - 2 * pp[0]), 9))
    w = draw(st.integers(max(1, kk[1] - 2 * pp[1]), 9))
    return (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        h,
        w,
        k,
        stride,
        padding,
        draw(st.sampled_from(["max", "min", "avg"])),
        draw(st.integers(0, 2**16)),
    )


@settings(max_examples=300, deadline=None)
@given(case=pool_case())
def test_pool2d_naive_matches_torch(case):
    n, c, h, w, k, stride, padding, mode, seed = case
    x = torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    expected = reference(x, k, stride, padding, mode)
    torch.testing.assert_close(pool2d_naive(x, k, stride, padding, mode), expected)


def test_stride_defaults_to_kernel_and_halves():
    x = torch.randn(2, 5, 16, 12, dtype=torch.float64)
    out = pool2d_naive(x, 2)
    assert out.shape == (2, 5, 8, 6)
    assert nn.MaxPool2d(2)(x).shape == (2, 5, 16 // 2, 12 // 2)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"mode": "median"}, "'max', 'min', 'avg'"),
        ({"kernel_size": 0}, "kernel_size"),
        ({"kernel_size": 9}, r"Окно пулинга 9×9 больше входа.*6×6"),
        ({"kernel_size": 2, "padding": 2}, "половины окна"),
        ({"kernel_size": 2, "stride": 0}, "stride"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"kernel_size": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        pool2d_naive(torch.zeros(1, 1, 6, 6), **args)


def test_bad_tensor():
    with pytest.raises(ValueError, match="unsqueeze"):
        pool2d_naive(torch.zeros(1, 6, 6), 2)
    with pytest.raises(TypeError):
        pool2d_naive("картинка", 2)


# PyTorch запрещает padding больше половины окна — такие сочетания не берём
CASES = [c for c in itertools.product([1, 2, 3], [None, 1, 2], [0, 1], [1, 2], [False, True]) if 2 * c[2] <= c[0]]


@pytest.mark.parametrize(
    "cls,maxcls,shape",
    [
        (MinPool1d, nn.MaxPool1d, (2, 3, 11)),
        (MinPool2d, nn.MaxPool2d, (2, 3, 9, 10)),
        (MinPool3d, nn.MaxPool3d, (1, 2, 7, 8, 9)),
    ],
)
@pytest.mark.parametrize("k,s,p,d,ceil", CASES)
def test_min_pool_layers(cls, maxcls, shape, k, s, p, d, ceil):
    x = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(k * 7 + p))
    layer, ref = cls(k, s, p, d, ceil_mode=ceil), maxcls(k, s, p, d, ceil_mode=ceil)
    torch.testing.assert_close(layer(x), -ref(-x))
    # независимая проверка прямым перебором окон (2-D, без дополнения и дилатации)
    if cls is MinPool2d and p == 0 and d == 1 and not ceil:
        torch.testing.assert_close(layer(x), pool2d_naive(x, k, s, 0, "min"))


def test_min_pool_return_indices_and_errors():
    x = torch.tensor([[[3.0, 1.0, 2.0, 5.0, 4.0, 0.0]]])
    values, idx = MinPool1d(2, return_indices=True)(x)
    assert values.tolist() == [[[1.0, 2.0, 0.0]]] and idx.tolist() == [[[1, 2, 5]]]
    assert "kernel_size=2" in repr(MinPool2d(2))
    with pytest.raises(ValueError, match="5 измерениями"):
        MinPool3d(2)(torch.zeros(2, 2))
