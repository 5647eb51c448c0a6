"""Набор фигур урока 6 и помощники классификации: повторяемость, баланс, формы, ошибки по-русски,
матрица ошибок против numpy, остаточный блок против ручного счёта."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

import cnn_course as cc
from cnn_course.classify import ResidualBlock, confusion_matrix, small_resnet
from cnn_course.shapes_data import SHAPE_CLASSES, make_shapes
from cnn_course.train import TensorLoader


def test_shapes_and_dtypes():
    images, labels = make_shapes(50, seed=0)
    assert images.shape == (50, 3, 32, 32) and images.dtype == torch.uint8
    assert labels.shape == (50,) and labels.dtype == torch.int64
    assert labels.min() >= 0 and labels.max() < len(SHAPE_CLASSES) == 6
    small, _ = make_shapes(3, seed=0, size=16)
    assert small.shape == (3, 3, 16, 16)


def test_same_seed_same_images_other_seed_other_images():
    a, la = make_shapes(40, seed=3)
    b, lb = make_shapes(40, seed=3)
    c, _ = make_shapes(40, seed=4)
    assert torch.equal(a, b) and torch.equal(la, lb)
    assert not torch.equal(a, c)


def test_global_rng_untouched():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    make_shapes(10, seed=0)
    assert torch.equal(torch.rand(3), before)


@pytest.mark.parametrize("n", [1, 6, 7, 100, 2051])
def test_classes_are_balanced(n):
    _, labels = make_shapes(n, seed=1)
    counts = torch.bincount(labels, minlength=6)
    assert counts.sum() == n and counts.max() - counts.min() <= 1


def test_images_vary_and_differ_by_class():
    images, labels = make_shapes(600, seed=5, noise=0.0, occlusion=0.0)
    # без шума и помех у каждой картинки ровно два цвета: фон и фигура
    img = images[0].reshape(3, -1).T
    assert len(torch.unique(img, dim=0)) == 2
    # площадь фигуры зависит от класса: у кольца и креста в среднем меньше, чем у круга
    bg = images[:, :, :1, :1]
    area = (images != bg).any(dim=1).float().mean(dim=(1, 2))
    mean = torch.stack([area[labels == k].mean() for k in range(6)])
    assert mean[1] < mean[0] and mean[4] < mean[0] and mean[5] < mean[0]
    # положение и размер меняются: площадь не одна и та же у одного класса
    assert area[labels == 0].std() > 0.01


@pytest.mark.parametrize(
    "kwargs,error,words",
    [
        (dict(n=0), ValueError, "n:"),
        (dict(n=2.5), TypeError, "n:"),
        (dict(n="10"), TypeError, "n:"),
        (dict(n=5, seed=-1), ValueError, "seed:"),
        (dict(n=5, seed=None), TypeError, "seed:"),
        (dict(n=5, size=8), ValueError, "size:"),
        (dict(n=5, size=32.0), TypeError, "size:"),
        (dict(n=5, noise=-0.1), ValueError, "noise:"),
        (dict(n=5, occlusion="half"), TypeError, "occlusion:"),
        (dict(n=5, occlusion=1.5), ValueError, "occlusion:"),
    ],
)
def test_bad_arguments_get_russian_errors(kwargs, error, words):
    with pytest.raises(error, match=words) as info:
        make_shapes(**kwargs)
    assert "ожидал" in str(info.value)


def test_confusion_matrix_against_numpy():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(200, 5, generator=gen)
    target = torch.randint(0, 5, (200,), generator=gen)
    cm = confusion_matrix(logits, target, 5)
    ref = np.zeros((5, 5), dtype=np.int64)
    np.add.at(ref, (target.numpy(), logits.argmax(1).numpy()), 1)
    assert cm.dtype == torch.int64 and np.array_equal(cm.numpy(), ref)
    assert cm.trace().item() / 200 == pytest.approx(cc.accuracy(logits, target))
    assert torch.equal(confusion_matrix(logits.argmax(1), target, 5), cm)


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="num_classes=4"):
        confusion_matrix(torch.zeros(3, 5), torch.zeros(3, dtype=torch.long), 4)
    with pytest.raises(TypeError, match="target"):
        confusion_matrix(torch.zeros(3, 4), torch.zeros(3), 4)
    with pytest.raises(ValueError, match="от 0 до 3"):
        confusion_matrix(torch.tensor([0, 4]), torch.tensor([0, 1]), 4)
    with pytest.raises(ValueError, match="разное число"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]), 4)


def test_tensor_loader_gives_class_labels_and_repeatable_augmentation():
    """TensorLoader для классификации: номера классов (N,) отдаются int64 как есть, аугментация —
    к каждой картинке, повторяемо при том же seed и без влияния на глобальный ГСЧ."""
    images, labels = make_shapes(70, seed=0)
    loader = TensorLoader(images, labels, batch_size=32, shuffle=True, seed=1, shift=0.5)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    x, y = batches[0]
    assert x.dtype == torch.float32 and x.shape == (32, 3, 32, 32) and y.dtype == torch.int64
    assert -0.5 <= x.min() and x.max() <= 0.5
    flip = lambda img: torch.flip(img, dims=(2,))  # noqa: E731
    a = next(iter(TensorLoader(images, labels, 32, seed=2, shift=0.5, transform=flip)))[0]
    assert torch.equal(a, torch.flip(images[:32].float() / 255 - 0.5, dims=(3,)))
    rand = lambda img: torch.roll(img, int(torch.randint(0, 5, ())), dims=2)  # noqa: E731
    state = torch.random.get_rng_state()
    first = next(iter(TensorLoader(images, labels, 32, seed=3, transform=rand)))[0]
    assert torch.equal(first, next(iter(TensorLoader(images, labels, 32, seed=3, transform=rand)))[0])
    assert torch.equal(state, torch.random.get_rng_state()), "аугментация сдвинула глобальный ГСЧ"
    with pytest.raises(ValueError, match="targets"):
        TensorLoader(images, labels.float())  # вещественные цели (N,) — ни классы, ни (N, K)
    with pytest.raises(TypeError, match="images"):
        TensorLoader(images.float(), labels)
    with pytest.raises(TypeError, match="transform"):
        TensorLoader(images, labels, transform="flip")


def test_residual_block_matches_manual_forward():
    torch.manual_seed(0)
    block = ResidualBlock(4, 8, stride=2).eval()
    x = torch.randn(2, 4, 9, 9)
    f = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))
    proj = block.shortcut[1](nn.functional.conv2d(x, block.shortcut[0].weight, stride=2))
    torch.testing.assert_close(block(x), torch.relu(f + proj))
    assert block(x).shape == (2, 8, 5, 5)
    plain = ResidualBlock(8, 8, skip=False).eval()
    assert isinstance(plain.shortcut, nn.Identity)
    z = torch.randn(1, 8, 6, 6)
    torch.testing.assert_close(plain(z), torch.relu(plain.bn2(plain.conv2(torch.relu(plain.bn1(plain.conv1(z)))))))


@pytest.mark.parametrize("skip,batch_norm", [(True, True), (False, True), (True, False)])
def test_small_resnet_depth_and_shapes(skip, batch_norm):
    net = small_resnet(2, width=4, skip=skip, batch_norm=batch_norm, seed=0)
    same = small_resnet(2, width=4, skip=skip, batch_norm=batch_norm, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), same.state_dict().values()))
    convs3 = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert len(convs3) == 6 * 2 + 1
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 6)
    assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == batch_norm
