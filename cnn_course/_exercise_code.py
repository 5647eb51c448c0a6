"""Упражнения на код: эталонные решения, типичные ошибки, примеры входов и что сравнивать.

Тексты вопросов — в ``_exercise_bank``; проверку делает ``cnn_course.exercises`` по ``CODE_SPECS``.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image

LOOP_HINT = (
    "Пусть k = w.shape[0], s = stride, p = padding. Сначала дополните вход нулями: `x = F.pad(x, (p, p, p, p))`; "
    "затем два цикла по позициям выхода, окно `x[n * s : n * s + k, m * s : m * s + k]`."
)


def my_conv2d(x, w, b, stride, padding):
    """Свёртка циклами: x (H, W), w (k, k), b — число → (⌊(H + 2p − k) / s⌋ + 1, ⌊(W + 2p − k) / s⌋ + 1)."""
    k = w.shape[0]
    x = torch.nn.functional.pad(torch.as_tensor(x), (padding, padding, padding, padding))  # нули со всех сторон
    out_h, out_w = (x.shape[0] - k) // stride + 1, (x.shape[1] - k) // stride + 1
    z = torch.zeros(out_h, out_w)
    for n in range(out_h):
        for m in range(out_w):
            window = x[n * stride : n * stride + k, m * stride : m * stride + k]  # окно под фильтром
            z[n, m] = (window * w).sum() + b  # клетка с клеткой, сумма и смещение
    return z


def _conv_flipped(x, w, b, stride, padding):
    return my_conv2d(x, torch.flip(w, dims=(0, 1)), b, stride, padding)


def _conv_no_bias(x, w, b, stride, padding):
    return my_conv2d(x, w, 0.0, stride, padding)


def _conv_short(x, w, b, stride, padding):
    return my_conv2d(x, w, b, stride, padding)[:-1, :-1]


def _conv_no_padding(x, w, b, stride, padding):
    return my_conv2d(x, w, b, stride, 0)


def _conv_stride_only_in_size(x, w, b, stride, padding):
    """Размер выхода с шагом, а окно сдвигается на 1: x[n : n + k] вместо x[n·s : n·s + k]."""
    shape = my_conv2d(x, w, b, stride, padding).shape
    return my_conv2d(x, w, b, 1, padding)[: shape[0], : shape[1]]


def conv_cases():
    gen = torch.Generator().manual_seed(7)
    return [
        (torch.randn(h, wd, generator=gen), torch.randn(k, k, generator=gen), float(b), s, p)
        for h, wd, k, b, s, p in [
            (5, 5, 3, 1.0, 1, 0),
            (6, 8, 3, -0.5, 2, 1),
            (7, 6, 2, 2.0, 1, 1),
            (8, 7, 3, 0.5, 2, 0),
        ]
        + [(5, 6, 3, 1.5, 3, 2)]
    ]


POOL_HINT = (
    "Два цикла по позициям выхода (H // 2, W // 2); окно `x[2 * n : 2 * n + 2, 2 * m : 2 * m + 2]`, из него `.max()`."
)


def my_max_pool(x):
    """Max-пулинг 2×2 с шагом 2 циклами: x (H, W) → (H // 2, W // 2); неполные окна отбрасываются."""
    out_h, out_w = x.shape[0] // 2, x.shape[1] // 2
    z = torch.zeros(out_h, out_w)
    for n in range(out_h):
        for m in range(out_w):
            z[n, m] = x[2 * n : 2 * n + 2, 2 * m : 2 * m + 2].max()
    return z


def _pool_avg(x):
    return torch.nn.functional.avg_pool2d(x[None, None], 2)[0, 0]


def _pool_overlap(x):
    return torch.nn.functional.max_pool2d(x[None, None], 2, stride=1)[0, 0]


def _pool_ceil(x):
    return torch.nn.functional.max_pool2d(x[None, None], 2, ceil_mode=True)[0, 0]


def pool_cases():
    gen = torch.Generator().manual_seed(11)
    return [(torch.randn(h, w, generator=gen),) for h, w in [(4, 4), (6, 8), (5, 7)]]


SIZE_HINT = "Формула: (n + 2·p − d·(k − 1) − 1) // s + 1."


def my_output_size(n, k, s, p, d):
    """Длина выхода свёртки: вход n, ядро k, шаг s, дополнение p, дилатация d."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _size_no_dilation(n, k, s, p, d):
    return (n + 2 * p - k) // s + 1


def _size_no_plus_one(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s


def _size_one_side_padding(n, k, s, p, d):
    return (n + p - d * (k - 1) - 1) // s + 1


def _size_no_minus_no_plus(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1)) // s


def _size_true_division(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) / s + 1


def size_cases():
    return [
        (n, k, s, p, d)
        for n, k, s, p, d in [
            (32, 3, 1, 1, 1),
            (32, 5, 2, 1, 1),
            (28, 3, 2, 0, 2),
            (7, 3, 1, 2, 3),
            (64, 7, 2, 3, 1),
            (10, 2, 3, 0, 1),
            (7, 3, 2, 0, 1),  # остаток: (7 − 2 − 1) = 4 делится на 2, а 7 − 2 = 5 — нет
            (33, 4, 3, 1, 1),  # остаток при p > 0
            (21, 3, 3, 1, 2),  # остаток при d > 1
        ]
    ]


FREEZE_HINT = (
    "Пройдите по `model.features.parameters()` и поставьте `requires_grad = False`, затем замените "
    "`model.classifier[-1]` на `nn.Linear(model.classifier[-1].in_features, n_outputs)`."
)


def freeze_and_replace(model, n_outputs):
    """Перенос обучения: заморозить features, заменить последний слой головы на n_outputs выходов."""
    for param in model.features.parameters():
        param.requires_grad = False
    model.classifier[-1] = torch.nn.Linear(model.classifier[-1].in_features, n_outputs)
    return model


def _freeze_forgot(model, n_outputs):
    model.classifier[-1] = torch.nn.Linear(model.classifier[-1].in_features, n_outputs)
    return model


def _freeze_everything(model, n_outputs):
    model.classifier[-1] = torch.nn.Linear(model.classifier[-1].in_features, n_outputs)
    for param in model.parameters():
        param.requires_grad = False
    return model


def _freeze_all_then_replace(model, n_outputs):
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[-1] = torch.nn.Linear(model.classifier[-1].in_features, n_outputs)
    return model


def _freeze_appended(model, n_outputs):
    for param in model.features.parameters():
        param.requires_grad = False
    model.classifier.append(torch.nn.Linear(model.classifier[-1].out_features, n_outputs))
    return model


def _freeze_no_new_head(model, n_outputs):
    for param in model.features.parameters():
        param.requires_grad = False
    return model


def freeze_cases():
    from .models import make_vgg

    return [
        (make_vgg("vgg-mini-64", num_outputs=10, batch_norm=True, pool_size=4, hidden=32, seed=0), n) for n in (2, 5)
    ]


def freeze_outcome(model, args):
    """Что проверяем у модели после переноса: заморожены ли features, учатся ли скрытые слои и новый последний
    слой головы, сколько в голове слоёв (замена, а не добавление) и какая форма выхода."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"функция должна вернуть модель, а вернула {type(model).__name__}")
    frozen = all(not p.requires_grad for p in model.features.parameters())
    hidden = all(p.requires_grad for p in model.classifier[:-1].parameters())
    last = all(p.requires_grad for p in model.classifier[-1].parameters())
    model.eval()
    with torch.no_grad():
        outputs = tuple(model(torch.zeros(2, 3, 64, 64)).shape)
    return {
        "features заморожены": frozen,
        "скрытые слои головы обучаются": hidden,
        "последний слой обучается": last,
        "слоёв в голове": len(model.classifier),
        "форма выхода": outputs,
    }


GETITEM_HINT = (
    "Путь к файлу — `os.path.join(self.path, self.files[item])`; картинку откройте `Image.open(...).convert('RGB')`, "
    "пропустите через `self.transform`, если он задан, и верните пару `(img, torch.tensor(self.targets[item], "
    "dtype=torch.float32))`."
)


def my_getitem(self, item):
    """``__getitem__`` класса лекции: картинка (через transform) и tensor([x, y]) float32."""
    path_file = os.path.join(self.path, self.files[item])
    img = Image.open(path_file).convert("RGB")
    if self.transform:
        img = self.transform(img)
    return img, torch.tensor(self.targets[item], dtype=torch.float32)


def _getitem_swapped(self, item):
    img, (x, y) = my_getitem(self, item)
    return img, torch.stack([y, x])


def _getitem_no_transform(self, item):
    return Image.open(os.path.join(self.path, self.files[item])).convert("RGB"), torch.tensor(
        self.targets[item], dtype=torch.float32
    )


def _getitem_list_target(self, item):
    img, _ = my_getitem(self, item)
    return img, list(self.targets[item])


class _LectureLike:
    """Набор, как его заполняет конструктор класса лекции: path, files, targets, transform."""

    def __init__(self, path, transform):
        import json

        self.path, self.transform = path, transform
        with open(os.path.join(path, "format.json")) as fp:
            table = json.load(fp)
        self.files, self.targets = tuple(table), tuple(table.values())


_GETITEM_DATA: list[str] = []


def getitem_cases():
    """Два примера из маленького набора (128×128): без transform и с ToImage + ToDtype."""
    import tempfile

    import torchvision.transforms.v2 as tfs

    from .sun.dataset import make_sun_dataset

    if not _GETITEM_DATA or not os.path.isdir(_GETITEM_DATA[0]):
        root = os.path.join(tempfile.mkdtemp(prefix="cc-exercise-"), "sun")
        make_sun_dataset(root, n_train=3, n_test=1, size=128, seed=3, progress=False)
        _GETITEM_DATA[:] = [os.path.join(root, "train")]
    to_tensor = tfs.Compose([tfs.ToImage(), tfs.ToDtype(torch.float32, scale=True)])
    return [(_LectureLike(_GETITEM_DATA[0], None), 0), (_LectureLike(_GETITEM_DATA[0], to_tensor), 2)]


def getitem_outcome(result, args):
    """Что сравнивать у пары (картинка, цель): пиксели картинки, вид картинки, цель и её тип."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"__getitem__ должен вернуть пару (картинка, цель), а вернул {type(result).__name__}")
    img, target = result
    kind = "тензор" if isinstance(img, torch.Tensor) else "картинка PIL" if isinstance(img, Image.Image) else "другое"
    pixels = img if isinstance(img, torch.Tensor) else torch.as_tensor(np.array(img))
    return {
        "картинка": kind,
        "пиксели": pixels.float(),
        "цель — тензор": isinstance(target, torch.Tensor),
        "цель": torch.as_tensor(target, dtype=torch.float32),
        "тип цели": str(target.dtype) if isinstance(target, torch.Tensor) else type(target).__name__,
    }


def _identity(result, args):
    return result


# упражнения на код: примеры входов, что сравнивать у результата, подсказка на случай падения функции
CODE_SPECS = {
    "conv.loop": (conv_cases, _identity, LOOP_HINT),
    "pool.loop": (pool_cases, _identity, POOL_HINT),
    "shapes.formula": (size_cases, _identity, SIZE_HINT),
    "vgg.freeze": (freeze_cases, freeze_outcome, FREEZE_HINT),
    "sun.getitem": (getitem_cases, getitem_outcome, GETITEM_HINT),
}


# --- урок 6: остаточный блок ---

RESIDUAL_HINT = (
    "Ветка F: `conv1` (3×3, шаг `stride`, `padding=1`) → ReLU → `conv2` (3×3, `padding=1`), свёртки без смещений "
    "(`bias=False`). Путь в обход — `nn.Identity()`, а если меняется число каналов или шаг — свёртка 1×1 с шагом "
    "`stride`. В `forward` сначала сложите F(x) и путь в обход, потом примените ReLU."
)


class MyResidual(torch.nn.Module):
    """Остаточный блок без BatchNorm: (N, C_in, H, W) → (N, C_out, H', W'), y = ReLU(F(x) + shortcut(x))."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.conv2 = torch.nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        if c_in != c_out or stride != 1:
            self.shortcut = torch.nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)  # проекция
        else:
            self.shortcut = torch.nn.Identity()

    def forward(self, x):
        out = self.conv2(torch.relu(self.conv1(x)))  # F(x)
        return torch.relu(out + self.shortcut(x))  # ReLU после сложения


class _ResNoProjection(MyResidual):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__(c_in, c_out, stride)
        self.shortcut = torch.nn.Identity()


class _ResProjectionNoStride(MyResidual):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__(c_in, c_out, stride)
        if c_in != c_out or stride != 1:
            self.shortcut = torch.nn.Conv2d(c_in, c_out, 1, bias=False)


class _ResAlwaysProjection(MyResidual):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__(c_in, c_out, stride)
        self.shortcut = torch.nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)


class _ResReluBeforeAdd(MyResidual):
    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x)))) + self.shortcut(x)


class _ResNoInnerRelu(MyResidual):
    def forward(self, x):
        return torch.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


class _ResNoSkip(MyResidual):
    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x))))


def residual_cases():
    """(c_in, c_out, stride): без проекции, смена каналов, смена размера, и то и другое."""
    return [(8, 8, 1), (8, 16, 1), (8, 8, 2), (4, 16, 2)]


def residual_outcome(model, args):
    """Что сравнивать у блока: форму выхода (или ошибку сложения), число параметров и сам выход.

    Веса заполняются заново по форме параметра (и номеру среди параметров той же формы), поэтому
    блок ученика сравним с эталоном, как бы ни назывались его слои."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"класс должен создавать модель nn.Module, а создал {type(model).__name__}")
    c_in, _, _ = args
    seen: dict = {}
    with torch.no_grad():
        for p in model.parameters():
            shape = tuple(p.shape)
            seen[shape] = seen.get(shape, 0) + 1
            gen = torch.Generator().manual_seed(sum(s * 31**i for i, s in enumerate(shape)) * 10 + seen[shape])
            p.copy_(torch.randn(shape, generator=gen) * (2 / max(p[0].numel() if p.ndim > 1 else 1, 1)) ** 0.5)
    n_params = sum(p.numel() for p in model.parameters())
    x = torch.randn(2, c_in, 8, 8, generator=torch.Generator().manual_seed(c_in))  # (N, C_in, 8, 8)
    model.eval()
    try:
        with torch.no_grad():
            y = model(x)
    except RuntimeError:
        return {
            "форма выхода": "ошибка: F(x) и путь в обход разной формы",
            "параметров": n_params,
            "выход": torch.zeros(0),
        }
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"forward пока ничего не возвращает (вернул {type(y).__name__}) — допишите его")
    return {"форма выхода": tuple(y.shape), "параметров": n_params, "выход": y}


CODE_SPECS["cls.residual"] = (residual_cases, residual_outcome, RESIDUAL_HINT)
