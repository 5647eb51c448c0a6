"""Предобученные VGG из torchvision без зависаний и падений без сети; классификация картинки."""

from __future__ import annotations

import hashlib
import io
import os
import urllib.request
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn as nn
import torchvision
from PIL import Image

from ._validate import check_choice, check_int

__all__ = ["VGG_NAMES", "LoadedVGG", "weights_for", "weights_path", "load_pretrained_vgg", "classify_image",
           "classification_html",
           "decode_image"]

VGG_NAMES = ("vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn")


class LoadedVGG(NamedTuple):
    """Итог :func:`load_pretrained_vgg`.

    Attributes:
        model: модель torchvision в режиме ``eval()``.
        weights: перечисление весов torchvision (``VGG16_Weights.DEFAULT`` и т. п.) — для
            ``weights.transforms()`` и ``weights.meta['categories']``.
        pretrained: True — веса ImageNet загружены; False — веса случайные.
        message: что произошло (по-русски).
    """

    model: nn.Module
    weights: object
    pretrained: bool
    message: str


def weights_for(name: str):
    """Перечисление весов torchvision по имени модели: ``'vgg16'`` → ``VGG16_Weights.DEFAULT``."""
    check_choice(name, "name", VGG_NAMES)
    enum_name = name.upper() + "_Weights"  # vgg16_bn → VGG16_BN_Weights
    return getattr(torchvision.models, enum_name).DEFAULT


def weights_path(name: str) -> Path:
    """Где torch хранит файл весов: ``$TORCH_HOME/hub/checkpoints/<имя из URL>``."""
    url = weights_for(name).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def _download(url: str, dest: Path, timeout: float) -> None:
    """Скачивает ``url`` во временный файл, сверяет префикс SHA-256 из имени и переименовывает."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as fp:
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            fp.write(chunk)
    prefix = dest.stem.rsplit("-", 1)[-1]
    if not digest.hexdigest().startswith(prefix):
        tmp.unlink(missing_ok=True)
        raise OSError(f"контрольная сумма скачанного файла не совпала с {prefix!r}")
    os.replace(tmp, dest)


def load_pretrained_vgg(name: str = "vgg16", *, download: bool = True, timeout: float = 20.0,
                        verbose: bool = True) -> LoadedVGG:
    """VGG из torchvision с весами ImageNet — если они есть в кэше torch или их можно скачать.

    Порядок: файл ``weights_path(name)`` в кэше → загрузка (если ``download``) с тайм-аутом
    ``timeout`` секунд на операцию сети → иначе та же архитектура со случайными весами и
    ``pretrained=False``. Об этом один раз сообщается по-русски: как получить файл и куда его
    положить. Файл читается безопасно: ``torch.load(..., weights_only=True)``.

    Args:
        name: одно из ``VGG_NAMES``.
        download: пробовать ли скачать веса (≈ 530 МБ для VGG-16).
        timeout: тайм-аут сети в секундах — загрузка не зависает.
        verbose: печатать сообщение.

    Returns:
        :class:`LoadedVGG` (model, weights, pretrained, message); модель в режиме ``eval()``.
    """
    weights = weights_for(name)
    path = weights_path(name)
    model = getattr(torchvision.models, name)(weights=None)
    reason = ""
    if not path.is_file() and download:
        try:
            _download(weights.url, path, timeout)
        except OSError as err:  # URLError, тайм-аут, нет места на диске, неверная контрольная сумма
            reason = f"скачать не удалось ({type(err).__name__}: {err})"
    if path.is_file():
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
            message = f"Загружены веса ImageNet для {name}: {path}"
            if verbose:
                print(message)
            return LoadedVGG(model.eval(), weights, True, message)
        except Exception as err:  # noqa: BLE001 — повреждённый или чужой файл: объясняем и идём дальше
            reason = f"файл {path} не читается как веса {name} ({type(err).__name__}: {str(err)[:200]})"
            model = getattr(torchvision.models, name)(weights=None)  # без частично загруженных весов
    elif not reason:
        reason = "загрузка отключена (download=False)"
    message = (
        f"Веса ImageNet для {name} недоступны: {reason}. Модель создана со СЛУЧАЙНЫМИ весами — её "
        f"ответы бессмысленны. Чтобы получить настоящие веса, скачайте {weights.url} "
        f"(≈ {weights.meta.get('_file_size', 0):.0f} МБ) и положите файл сюда: {path} "
        f"(папку задаёт переменная окружения TORCH_HOME)."
    )
    if verbose:
        print(message)
    return LoadedVGG(model.eval(), weights, False, message)


def decode_image(data) -> Image.Image:
    """Байты файла картинки (например, из виджета FileUpload) → ``PIL.Image`` в RGB.

    Raises:
        ValueError: байты — не картинка.
    """
    try:
        with Image.open(io.BytesIO(bytes(data))) as img:
            return img.convert("RGB")
    except Exception as err:  # noqa: BLE001
        raise ValueError(f"Это не картинка или формат не поддерживается: {type(err).__name__}: {err}") from None


@torch.no_grad()
def classify_image(model: nn.Module, image, weights_meta, topk: int = 5) -> list[tuple[str, float]]:
    """Классифицирует одну картинку моделью ImageNet.

    Картинка проходит через официальные преобразования весов (``weights.transforms()``:
    Resize 256, CenterCrop 224, перевод в float, нормировка средним и стандартным отклонением
    ImageNet) — они работают без сети. Имена классов — ``weights.meta['categories']``.

    Args:
        model: модель с выходом (N, 1000).
        image: ``PIL.Image``, или тензор (3, H, W) — uint8 либо float в [0, 1].
        weights_meta: перечисление весов torchvision (например, ``VGG16_Weights.DEFAULT``).
        topk: сколько лучших классов вернуть.

    Returns:
        Список ``(имя класса, вероятность)`` по убыванию вероятности.
    """
    topk = check_int(topk, "topk", minimum=1)
    if not hasattr(weights_meta, "transforms") or not hasattr(weights_meta, "meta"):
        raise TypeError("weights_meta: ожидались веса torchvision, например VGG16_Weights.DEFAULT, "
                        f"получено {type(weights_meta).__name__}")
    if isinstance(image, torch.Tensor):
        if image.ndim != 3 or image.shape[0] != 3:
            raise ValueError(f"image: ожидался тензор (3, H, W), получено {tuple(image.shape)}")
    elif not isinstance(image, Image.Image):
        raise TypeError(f"image: ожидалась PIL.Image или тензор (3, H, W), получено {type(image).__name__}")
    categories = weights_meta.meta["categories"]
    x = weights_meta.transforms()(image).unsqueeze(0)  # (1, 3, 224, 224)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    logits = model(x.to(device))  # (1, 1000)
    model.train(was_training)
    if logits.shape[-1] != len(categories):
        raise ValueError(f"Модель выдаёт {logits.shape[-1]} чисел, а классов у весов {len(categories)}")
    probs = torch.softmax(logits[0].float(), dim=0)
    values, idx = probs.topk(min(topk, len(categories)))
    return [(categories[i], float(v)) for v, i in zip(values.tolist(), idx.tolist())]



def classification_html(results: list[tuple[str, float]], pretrained: bool = True) -> str:
    """Таблица HTML «класс — вероятность» для :func:`classify_image`; предупреждение о случайных весах."""
    import html

    rows = "".join(
        f"<tr><td>{k}</td><td>{html.escape(name)}</td><td style='text-align:right'>{p:.1%}</td></tr>"
        for k, (name, p) in enumerate(results, 1)
    )
    note = "" if pretrained else (
        "<p style='color:#b00020'>Веса случайные — классы и вероятности ничего не значат.</p>")
    return (f"{note}<table><tr><th>№</th><th>класс ImageNet</th><th>вероятность</th></tr>{rows}</table>")
