"""Анимации скользящего окна: кадры сверены с PyTorch (F.conv2d, F.unfold, пулинги), WebP настоящий."""

from __future__ import annotations

import io
import itertools

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from cnn_course.animation import DENSITY, animate_conv, animate_pool, conv_frames, pool_frames

CONV_CONFIGS = [
    (h, w, k, s, p, d)
    for (h, w), k, s, p, d in itertools.product(((4, 5), (7, 6)), (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 2))
    if h + 2 * p >= d * (k - 1) + 1 and w + 2 * p >= d * (k - 1) + 1
]


def _positions(h_pad: int, w_pad: int, k: int, stride: int, dilation: int) -> list[list[tuple[int, int]]]:
    """Клетки каждого окна по F.unfold на картинке из номеров клеток (независимо от формулы пакета)."""
    ids = torch.arange(h_pad * w_pad, dtype=torch.float64).view(1, 1, h_pad, w_pad)
    cols = F.unfold(ids, k, dilation=dilation, stride=stride)[0]  # (k·k, число окон)
    return [[divmod(int(i), w_pad) for i in cols[:, j]] for j in range(cols.shape[1])]


@pytest.mark.parametrize("h,w,k,s,p,d", CONV_CONFIGS)
def test_conv_frames_follow_pytorch(h, w, k, s, p, d):
    gen = torch.Generator().manual_seed(h * 100 + w * 10 + k)
    image = torch.randn(h, w, generator=gen, dtype=torch.float64)
    kernel = torch.randn(k, k, generator=gen, dtype=torch.float64)
    frames = conv_frames(image, kernel, bias=0.5, stride=s, padding=p, dilation=d)
    ref = F.conv2d(image[None, None], kernel[None, None], torch.tensor([0.5], dtype=torch.float64), s, p, d)[0, 0]
    assert len(frames) == ref.numel()  # по кадру на каждое значение карты признаков
    padded = F.pad(image, (p, p, p, p))
    windows = _positions(h + 2 * p, w + 2 * p, k, s, d)
    for j, step in enumerate(frames):
        assert (step.row, step.col) == divmod(j, ref.shape[1])  # обход строка за строкой
        torch.testing.assert_close(torch.tensor(step.z, dtype=torch.float64), ref[step.row, step.col])
        assert list(step.window) == windows[j]
        got = sum(wt * x for wt, x in step.terms) + step.bias
        torch.testing.assert_close(torch.tensor(got, dtype=torch.float64), ref[step.row, step.col])
        for (r, c), (_, x) in zip(step.window, step.terms, strict=True):
            assert x == float(padded[r, c])


POOL_REFS = {
    "max": lambda x, k, s: F.max_pool2d(x, k, s),
    "min": lambda x, k, s: -F.max_pool2d(-x, k, s),
    "avg": lambda x, k, s: F.avg_pool2d(x, k, s),
}


@pytest.mark.parametrize(
    "h,w,k,s,mode",
    [
        (h, w, k, s, m)
        for (h, w), k, s, m in itertools.product(((4, 4), (5, 6), (7, 4)), (1, 2, 3), (None, 1, 2), POOL_REFS)
    ],
)
def test_pool_frames_follow_pytorch(h, w, k, s, mode):
    gen = torch.Generator().manual_seed(h * 10 + w + k)
    image = torch.randn(h, w, generator=gen, dtype=torch.float64)
    frames = pool_frames(image, k, s, mode)
    stride = k if s is None else s
    ref = POOL_REFS[mode](image[None, None], k, stride)[0, 0]
    assert len(frames) == ref.numel()
    windows = _positions(h, w, k, stride, 1)
    for j, step in enumerate(frames):
        torch.testing.assert_close(torch.tensor(step.value, dtype=torch.float64), ref[step.row, step.col])
        assert list(step.window) == windows[j]
        if mode != "avg":
            ((r, c),) = step.chosen
            assert float(image[r, c]) == step.value  # в рамке — та клетка, откуда взят ответ


def _decode(animation) -> list[Image.Image]:
    im = Image.open(io.BytesIO(animation.webp))
    assert im.format == "WEBP"
    frames = []
    for i in range(im.n_frames):
        im.seek(i)
        frames.append(im.convert("RGB"))
    return frames


def test_conv_animation_is_a_real_animation_with_russian_caption():
    anim = animate_conv(size=5, kernel_size=3, stride=2, padding=1)
    frames = _decode(anim)
    assert anim.frames == len(frames) == 9  # выход 3×3
    assert abs(frames[0].size[0] - anim.width * DENSITY) <= 1 and abs(frames[0].size[1] - anim.height * DENSITY) <= 1
    assert abs(anim.width - 760) <= 1  # ширина показа по умолчанию
    assert frames[0].tobytes() != frames[1].tobytes() != frames[-1].tobytes()
    assert "шаг 2, дополнение 1 →" in anim.caption and "выход 3×3" in anim.caption
    assert "дилатация" not in anim.caption  # обычные значения в подписи не повторяются
    assert "9 положений" in anim.caption
    page = anim._repr_html_()
    assert 'class="cc-animation"' in page and "data:image/webp;base64," in page
    assert f'width="{anim.width}"' in page  # показ в CSS-пикселях, кадр вдвое плотнее


def test_pool_animation_frames_and_plural():
    anim = animate_pool(size=4, kernel_size=2)
    assert anim.frames == len(_decode(anim)) == 4
    assert "4 положения окна" in anim.caption and anim.caption.startswith("Max-пулинг:")
    avg = animate_pool(size=6, kernel_size=3, stride=2, mode="avg")
    assert avg.caption.startswith("Усредняющий пулинг:") and avg.frames == 4


def test_custom_image_and_kernel():
    image = torch.arange(12.0).view(3, 4)
    anim = animate_conv(image=image, kernel=torch.ones(2, 2), bias=1.0)
    assert anim.frames == 2 * 3 and "вход 3×4" in anim.caption


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(size=3, kernel_size=5), ValueError, "больше"),
        (dict(size=13), ValueError, "size"),
        (dict(image=torch.zeros(20, 20)), ValueError, "слишком велика"),
        (dict(image=[[1, 2], [3, 4]]), TypeError, "тензор"),
        (dict(image=torch.zeros(2, 3, 3)), ValueError, r"\(H, W\)"),
        (dict(size=12, kernel_size=1), ValueError, "слишком много"),
        (dict(stride=1.5), TypeError, "stride"),
        (dict(frame_ms=10), ValueError, "frame_ms"),
        (dict(width="wide"), TypeError, "width"),
    ],
)
def test_conv_animation_rejects_bad_input_in_russian(kwargs, error, match):
    with pytest.raises(error, match=match):
        animate_conv(**kwargs)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(size=2, kernel_size=3), ValueError, "больше входа"),
        (dict(mode="median"), ValueError, "mode"),
        (dict(kernel_size=0), ValueError, "kernel_size"),
    ],
)
def test_pool_animation_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        animate_pool(**kwargs)


def test_text_repr_is_short():
    anim = animate_pool(size=4)
    assert repr(anim).startswith("<Анимация: Max-пулинг") and len(repr(anim)) < 200  # не байты WebP


def test_string_padding_is_quoted_and_valid_is_not_mentioned():
    assert "дополнение 'same' → выход 5×5" in animate_conv(size=5, padding="same").caption
    assert "дополнение" not in animate_conv(size=5, padding="valid").caption


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_grid_is_rejected(bad):
    image = torch.ones(3, 3)
    image[1, 1] = bad
    with pytest.raises(ValueError, match="NaN или бесконечность"):
        animate_conv(image=image, kernel=torch.ones(2, 2))
    with pytest.raises(ValueError, match="NaN или бесконечность"):
        animate_pool(image=image)
