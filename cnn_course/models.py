"""Модели курса: регрессор солнца из лекции, быстрая сеть с тепловой картой, VGG по конфигурации."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import torch
import torch.nn as nn

from ._validate import check_int

__all__ = [
    "sun_regressor",
    "SoftArgmax2d",
    "sun_heatmap_net",
    "seeded",
    "VGG_CFGS",
    "make_vgg",
    "vgg_blocks",
    "reorder_relu_pool",
]


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Контекст: внутри него веса инициализируются от зерна ``seed``, снаружи ГСЧ torch не меняется.

    ``seed=None`` — ничего не делает (обычная случайная инициализация).
    """
    if seed is None:
        yield
        return
    seed = check_int(seed, "seed", minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def sun_regressor(seed: int | None = None) -> nn.Sequential:
    """Модель лекции слой в слой: три свёртки 3×3 с ReLU и max-пулингом, затем два Linear.

    Вход (N, 3, 256, 256) float32 в [0, 1]; выход (N, 2) — (x, y) центра солнца в пикселях.
    Формы по слоям: (N, 32, 128, 128) → (N, 8, 64, 64) → (N, 4, 32, 32) → (N, 4096) → (N, 128) → (N, 2).
    """
    with seeded(seed):
        return nn.Sequential(
            nn.Conv2d(3, 32, 3, padding="same"),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 32, 128, 128)
            nn.Conv2d(32, 8, 3, padding="same"),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 8, 64, 64)
            nn.Conv2d(8, 4, 3, padding="same"),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 4, 32, 32)
            nn.Flatten(),  # (N, 4096)
            nn.Linear(4096, 128),  # (N, 128)
            nn.ReLU(),
            nn.Linear(128, 2),  # (N, 2)
        )


class SoftArgmax2d(nn.Module):
    """Пространственный soft-argmax: тепловая карта → ожидаемые координаты (x, y).

    Softmax превращает карту (N, 1, h, w) в неотрицательные веса клеток с суммой 1; ответ —
    среднее координат центров клеток с этими весами. Обучается только это среднее, поэтому веса —
    не вероятности того, где солнце (у двух пятен с тем же «центром масс» та же потеря).
    Координаты клеток заданы в системе исходной картинки стороны ``image_size`` и переведены в
    [-1, 1]: пиксель p ↦ (p − c) / c, где c = image_size / 2. Слой дифференцируем и сохраняет
    эквивариантность: сдвиг солнца сдвигает пик карты и ответ.

    Args:
        image_size: сторона исходной картинки в пикселях (лекция: 256).
    """

    def __init__(self, image_size: int = 256):
        super().__init__()
        self.image_size = check_int(image_size, "image_size", minimum=2)

    def forward(self, heatmap: torch.Tensor) -> torch.Tensor:
        """(N, 1, h, w) → (N, 2): столбцы x, y в [-1, 1]."""
        if heatmap.ndim != 4 or heatmap.shape[1] != 1:
            raise ValueError(f"SoftArgmax2d: ожидалась карта (N, 1, h, w), получено {tuple(heatmap.shape)}")
        n, _, h, w = heatmap.shape
        c = self.image_size / 2
        dtype, device = heatmap.dtype, heatmap.device
        # центр клетки j (в пикселях исходной картинки) = (j + 0.5)·(size / w) − 0.5
        gx = ((torch.arange(w, dtype=dtype, device=device) + 0.5) * (self.image_size / w) - 0.5 - c) / c
        gy = ((torch.arange(h, dtype=dtype, device=device) + 0.5) * (self.image_size / h) - 0.5 - c) / c
        p = torch.softmax(heatmap.reshape(n, h * w), dim=1).reshape(n, h, w)  # (N, h, w)
        x = (p.sum(dim=1) * gx).sum(dim=1)  # (N,)
        y = (p.sum(dim=2) * gy).sum(dim=1)  # (N,)
        return torch.stack([x, y], dim=1)  # (N, 2)

    def extra_repr(self) -> str:
        return f"image_size={self.image_size}"


def _conv_bn_relu(c_in: int, c_out: int) -> list[nn.Module]:
    """Свёртка 3×3 без смещения (его заменяет BatchNorm) + BatchNorm + ReLU."""
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


def sun_heatmap_net(width: int = 8, image_size: int = 256, seed: int | None = None) -> nn.Sequential:
    """Быстрая сеть для поиска солнца: полностью свёрточная, с тепловой картой и soft-argmax.

    Вход (N, 3, s, s) — уменьшенная картинка (например, s = 64 для исходной 256), значения
    около нуля (x − 0.5). Формы: (N, w, s, s) → пулинг (N, w, s/2, s/2) → (N, 2w, s/2, s/2) →
    тепловая карта (N, 1, s/2, s/2) → (N, 2) — (x, y) в [-1, 1] относительно исходной картинки
    стороны ``image_size``.

    Args:
        width: число каналов первого слоя w.
        image_size: сторона исходной картинки, к которой относятся координаты.
        seed: зерно инициализации весов (None — случайно).
    """
    w = check_int(width, "width", minimum=1)
    with seeded(seed):
        return nn.Sequential(
            *_conv_bn_relu(3, w),  # (N, w, s, s)
            nn.MaxPool2d(2),  # (N, w, s/2, s/2)
            *_conv_bn_relu(w, 2 * w),  # (N, 2w, s/2, s/2)
            *_conv_bn_relu(2 * w, 2 * w),  # (N, 2w, s/2, s/2)
            nn.Conv2d(2 * w, 1, 1),  # тепловая карта (N, 1, s/2, s/2)
            SoftArgmax2d(image_size),  # (N, 2)
        )


# Конфигурации в стиле torchvision: число каналов свёрток 3×3 (padding=1), 'M' — MaxPool2d(2).
VGG_CFGS: dict[str, list[int | str]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
    # маленькие VGG для обучения на CPU: входы 64×64 и 128×128
    "vgg-mini-64": [16, 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"],
    "vgg-mini-128": [16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M", 128, 128, "M"],
}


class _VGG(nn.Module):
    """VGG: ``features`` (свёртки и пулинги) → ``avgpool`` → ``flatten`` → ``classifier``.

    Имена частей как в torchvision, поэтому state_dict torchvision подходит без переименования.
    """

    def __init__(self, features: nn.Sequential, avgpool: nn.Module, classifier: nn.Sequential):
        super().__init__()
        self.features = features
        self.avgpool = avgpool
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) → (N, num_outputs)."""
        x = self.features(x)  # (N, C_last, H / 2^k, W / 2^k)
        x = self.avgpool(x)  # (N, C_last, p, p)
        x = torch.flatten(x, 1)  # (N, C_last·p·p)
        return self.classifier(x)


def make_vgg(
    cfg: str | Sequence[int | str],
    in_channels: int = 3,
    num_outputs: int = 1000,
    batch_norm: bool = False,
    *,
    pool_size: int = 7,
    hidden: int = 4096,
    dropout: float = 0.5,
    seed: int | None = None,
) -> nn.Module:
    """Строит VGG-подобную сеть по конфигурации (имя из ``VGG_CFGS`` или список каналов и 'M').

    Перед головой стоит ``AdaptiveAvgPool2d(pool_size)``, поэтому подходит вход любого размера,
    при котором после всех пулингов остаётся хотя бы 1×1. Голова: Linear(C·p·p, hidden) → ReLU →
    Dropout → Linear(hidden, hidden) → ReLU → Dropout → Linear(hidden, num_outputs). С настройками
    по умолчанию ``make_vgg('vgg16')`` совпадает с ``torchvision.models.vgg16()`` слой в слой
    (138 357 544 параметра), ``make_vgg('vgg19')`` — с ``vgg19()`` (143 667 240).

    Args:
        cfg: имя конфигурации или список вроде ``[64, 'M', 128, 'M']``.
        in_channels: каналы входа C.
        num_outputs: размер выхода (1000 классов ImageNet, 2 координаты солнца, …).
        batch_norm: добавлять BatchNorm2d после каждой свёртки.
        pool_size: сторона p выхода AdaptiveAvgPool2d.
        hidden: ширина скрытых слоёв головы.
        dropout: вероятность Dropout в голове.
        seed: зерно инициализации (None — случайно).

    Returns:
        Модель: (N, C, H, W) → (N, num_outputs).
    """
    if isinstance(cfg, str):
        if cfg not in VGG_CFGS:
            raise ValueError(f"cfg: ожидалось одно из {list(VGG_CFGS)} или список каналов, получено {cfg!r}")
        cfg = VGG_CFGS[cfg]
    if not isinstance(cfg, (list, tuple)) or not cfg:
        raise TypeError(f"cfg: ожидался непустой список чисел и 'M', получено {cfg!r}")
    c = check_int(in_channels, "in_channels", minimum=1)
    num_outputs = check_int(num_outputs, "num_outputs", minimum=1)
    pool_size = check_int(pool_size, "pool_size", minimum=1)
    hidden = check_int(hidden, "hidden", minimum=1)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout: ожидалась вероятность в [0, 1), получено {dropout!r}")
    with seeded(seed):
        layers: list[nn.Module] = []
        for item in cfg:
            if item == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                continue
            out = check_int(item, "cfg: число каналов", minimum=1)
            layers.append(nn.Conv2d(c, out, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.ReLU(inplace=True))
            c = out
        classifier = nn.Sequential(
            nn.Linear(c * pool_size * pool_size, hidden),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, num_outputs),
        )
        model = _VGG(nn.Sequential(*layers), nn.AdaptiveAvgPool2d((pool_size, pool_size)), classifier)
        for m in model.modules():  # инициализация как в torchvision
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:  # свёртки выше всегда со смещением; проверка — для mypy
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)
    return model


def vgg_blocks(model: nn.Module) -> list[nn.Sequential]:
    """Делит ``model.features`` VGG на блоки «свёртки … MaxPool» (блок заканчивается пулингом).

    Returns:
        Список ``nn.Sequential`` (модули общие с моделью, не копии).
    """
    features = getattr(model, "features", None)
    if not isinstance(features, nn.Sequential):
        raise TypeError(f"Ожидалась VGG с атрибутом features (nn.Sequential), получено {type(model).__name__}")
    blocks, current = [], []
    for layer in features:
        current.append(layer)
        if isinstance(layer, nn.MaxPool2d):
            blocks.append(nn.Sequential(*current))
            current = []
    if current:
        blocks.append(nn.Sequential(*current))
    return blocks


def reorder_relu_pool(model: nn.Sequential) -> nn.Sequential:
    """Ускорение без изменения результата: пары ReLU → MaxPool2d переставляются в MaxPool2d → ReLU.

    max и ReLU перестановочны: max(relu(a), relu(b)) = relu(max(a, b)), поэтому выход и градиенты
    те же, а ReLU и её обратный проход работают с картой, в 4 раза меньшей (для окна 2×2).
    Слои (и веса) общие с исходной моделью; новый ReLU работает на месте (inplace).

    Args:
        model: ``nn.Sequential`` (например, :func:`~cnn_course.models.sun_regressor`).

    Returns:
        Новый ``nn.Sequential`` с теми же модулями в другом порядке.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"reorder_relu_pool: ожидался nn.Sequential, получено {type(model).__name__}")
    layers = list(model)
    out, i = [], 0
    while i < len(layers):
        if i + 1 < len(layers) and type(layers[i]) is nn.ReLU and type(layers[i + 1]) is nn.MaxPool2d:
            out += [layers[i + 1], nn.ReLU(inplace=True)]
            i += 2
        else:
            out.append(layers[i])
            i += 1
    return nn.Sequential(*out)
