"""Классификация и остаточные связи (урок 6): матрица ошибок, кривые обучения, остаточный блок и
маленькая сеть в духе ResNet для картинок 32×32.

``ResidualBlock`` — базовый блок ResNet (He и др., 2015): y = ReLU(F(x) + S(x)), где
F — две свёртки 3×3 (с BatchNorm и ReLU между ними), а S — сам x или, если меняются число каналов
или размер, проекция свёрткой 1×1 с тем же шагом. С ``skip=False`` это «простой» блок с теми же
свёртками без сложения — для сравнения при той же глубине.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ._validate import check_bool, check_int, check_real, describe
from .models import seeded

__all__ = ["confusion_matrix", "show_confusion", "plot_curves", "ResidualBlock", "small_resnet"]


def confusion_matrix(predict: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Матрица ошибок: сколько картинок класса i сеть отнесла к классу j.

    Args:
        predict: логиты (N, K) (берётся argmax по классам) или номера предсказанных классов (N,).
        target: верные номера классов (N,) — целые от 0 до ``num_classes`` − 1.
        num_classes: число классов K.

    Returns:
        int64-тензор (K, K): строка — верный класс, столбец — предсказанный; сумма строки i —
        число картинок класса i, диагональ — верные ответы, ``trace / sum`` — доля верных (accuracy).

    Raises:
        TypeError: не тензоры или номера классов не целые.
        ValueError: формы не сходятся или номер класса вне [0, K).
    """
    k = check_int(num_classes, "num_classes", minimum=1)
    if not isinstance(predict, torch.Tensor) or predict.ndim not in (1, 2):
        raise TypeError(f"predict: ожидались логиты (N, K) или номера классов (N,), получено {describe(predict)}")
    if not isinstance(target, torch.Tensor) or target.ndim != 1 or target.is_floating_point():
        raise TypeError(f"target: ожидались целые номера классов формы (N,), получено {describe(target)}")
    if predict.ndim == 2:
        if predict.shape[1] != k:
            raise ValueError(f"predict: логитов {predict.shape[1]} на картинку, а классов num_classes={k}")
        predict = predict.argmax(dim=1)  # (N, K) → (N,)
    elif predict.is_floating_point():
        raise TypeError(f"predict: номера классов должны быть целыми, получено {describe(predict)}")
    if len(predict) != len(target):
        raise ValueError(f"predict и target: разное число картинок — {len(predict)} и {len(target)}")
    for name, labels in (("predict", predict), ("target", target)):
        if len(labels) and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(f"{name}: номера классов должны быть от 0 до {k - 1}, есть {int(labels.max())}")
    flat = target.cpu().long() * k + predict.cpu().long()  # номер клетки (i, j) → i·K + j
    return torch.bincount(flat, minlength=k * k).reshape(k, k)


def show_confusion(matrix: torch.Tensor, class_names, title: str | None = None):
    """Рисует матрицу ошибок (K, K) с числами в клетках; строки — верный класс, столбцы — ответ сети.

    Returns:
        Фигура matplotlib.
    """
    from .plotting import new_figure, text_color

    if not isinstance(matrix, torch.Tensor) or matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise TypeError(f"matrix: ожидалась квадратная матрица (K, K), получено {describe(matrix)}")
    names = list(class_names)
    if len(names) != len(matrix):
        raise ValueError(f"class_names: имён {len(names)}, а классов {len(matrix)}")
    k = len(names)
    fig = new_figure(0.8 * k + 2.0, 0.7 * k + 1.4)
    ax = fig.add_subplot(1, 1, 1)
    values = matrix.cpu().float()
    shown = ax.imshow(values.numpy(), cmap="Blues")
    for i in range(k):
        for j in range(k):
            rgba = shown.cmap(shown.norm(values[i, j].item()))
            ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=9, color=text_color(rgba))
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("ответ сети")
    ax.set_ylabel("верный класс")
    ax.set_title(title or "Матрица ошибок", fontsize=10)
    return fig


def plot_curves(curves: dict, ylabel: str = "потеря", title: str | None = None, log: bool = False):
    """Кривые по эпохам на одном графике: ``curves`` — «подпись → список значений (по эпохам)».

    Returns:
        Фигура matplotlib.
    """
    from matplotlib.ticker import MaxNLocator

    from .plotting import new_figure

    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves: ожидался непустой словарь «подпись → значения», получено {describe(curves)}")
    fig = new_figure(6, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    styles = ["o-", "s--", "^-", "d--", "v-", "x--"]
    for n, (label, values) in enumerate(curves.items()):
        values = [float(v) for v in values]
        ax.plot(range(1, len(values) + 1), values, styles[n % len(styles)], label=str(label), markersize=4)
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # эпохи — целые
    ax.set_xlabel("эпоха")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig


class ResidualBlock(nn.Module):
    """Базовый блок ResNet: вход (N, C_in, H, W) → выход (N, C_out, H', W'), H' = ⌊(H − 1) / s⌋ + 1.

    ``forward``: y = ReLU(F(x) + S(x)); F = conv3×3(шаг s) → BN → ReLU → conv3×3 → BN; S — сам x, если
    C_in = C_out и s = 1, иначе проекция conv1×1(шаг s) → BN. ReLU — после сложения: иначе
    ветка F могла бы только прибавлять (её выход был бы ≥ 0).

    Args:
        c_in, c_out: число каналов на входе и выходе.
        stride: шаг первой свёртки (2 — уменьшить карту вдвое).
        skip: False — тот же блок без остаточной связи (y = ReLU(F(x))), для сравнения.
        batch_norm: False — без BatchNorm (тогда у свёрток есть смещения).
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1, *, skip: bool = True, batch_norm: bool = True):
        super().__init__()
        c_in, c_out = check_int(c_in, "c_in", minimum=1), check_int(c_out, "c_out", minimum=1)
        stride = check_int(stride, "stride", minimum=1)
        self.skip, bn = check_bool(skip, "skip"), check_bool(batch_norm, "batch_norm")

        def norm(c):
            return nn.BatchNorm2d(c) if bn else nn.Identity()

        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=not bn)
        self.bn1 = norm(c_out)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=not bn)
        self.bn2 = norm(c_out)
        if skip and (c_in != c_out or stride != 1):
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=not bn), norm(c_out))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))  # (N, C_out, H', W')
        out = self.bn2(self.conv2(out))
        if self.skip:
            out = out + self.shortcut(x)  # остаточная связь: F(x) + x
        return self.relu(out)


def small_resnet(
    blocks: int = 3,
    width: int = 16,
    num_classes: int = 6,
    *,
    skip: bool = True,
    batch_norm: bool = True,
    dropout: float = 0.0,
    stem_stride: int = 1,
    seed: int | None = None,
) -> nn.Sequential:
    """Сеть в духе ResNet для CIFAR (He и др., 2015, раздел 4.2) на картинках (N, 3, H, W).

    Начальная свёртка 3×3 (``width`` каналов), три стадии по ``blocks`` блоков с шириной
    width, 2·width, 4·width (вторая и третья начинают с шага 2), глобальный усредняющий пулинг,
    Dropout и ``Linear(4·width, num_classes)``. Свёрточных слоёв с весами 6·blocks + 1, плюс
    полносвязный (у ResNet-20 из статьи blocks = 3). Выход — логиты (N, num_classes).

    Args:
        skip: False — та же глубина без остаточных связей («простая» сеть).
        batch_norm: False — без BatchNorm.
        dropout: вероятность Dropout перед последним слоем (0 — без него).
        stem_stride: шаг начальной свёртки (2 — карты вдвое меньше и обучение вчетверо дешевле).
        seed: зерно инициализации весов (None — текущее состояние генератора).
    """
    blocks = check_int(blocks, "blocks", minimum=1)
    width = check_int(width, "width", minimum=1)
    num_classes = check_int(num_classes, "num_classes", minimum=1)
    dropout = check_real(dropout, "dropout", minimum=0.0, maximum=1.0)
    stem_stride = check_int(stem_stride, "stem_stride", minimum=1)
    with seeded(seed):
        layers: list[nn.Module] = [
            nn.Conv2d(3, width, 3, stride=stem_stride, padding=1, bias=not batch_norm),
            nn.BatchNorm2d(width) if batch_norm else nn.Identity(),
            nn.ReLU(),
        ]
        c = width
        for stage, c_out in enumerate((width, 2 * width, 4 * width)):
            for b in range(blocks):
                stride = 2 if stage > 0 and b == 0 else 1
                layers.append(ResidualBlock(c, c_out, stride, skip=skip, batch_norm=batch_norm))
                c = c_out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c, num_classes)]
        return nn.Sequential(*layers)
