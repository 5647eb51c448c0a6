"""Предобученные VGG из torchvision без зависаний и падений без сети; классификация картинки."""

from __future__ import annotations

import hashlib
import html
import http.client
import math
import os
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn as nn
import torchvision
from PIL import Image
from torchvision.models import WeightsEnum

from ._validate import check_bool, check_choice, check_image_size, check_int, check_real, describe
from .formatting import ERROR_COLOR, callout, fmt, show_html
from .images import pil_to_rgb

__all__ = [
    "VGG_NAMES",
    "LoadedVGG",
    "weights_for",
    "weights_path",
    "load_pretrained_vgg",
    "classify_image",
    "classification_html",
    "upload_error_text",
    "thumbnail_png",
]

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
    weights: WeightsEnum
    pretrained: bool
    message: str


def weights_for(name: str) -> WeightsEnum:
    """Перечисление весов torchvision по имени модели: ``'vgg16'`` → ``VGG16_Weights.DEFAULT``."""
    check_choice(name, "name", VGG_NAMES)
    enum_name = name.upper() + "_Weights"  # vgg16_bn → VGG16_BN_Weights
    return getattr(torchvision.models, enum_name).DEFAULT


def weights_path(name: str) -> Path:
    """Где torch хранит файл весов: ``$TORCH_HOME/hub/checkpoints/<имя из URL>``."""
    url = weights_for(name).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


_MAX_DOWNLOAD_BYTES = 2 * 2**30  # веса VGG — около 0,5 ГБ; больше 2 ГБ — точно не то


def _hash_prefix(dest: Path) -> str:
    """Префикс SHA-256 из имени файла torchvision: vgg16-397923af.pth → '397923af'."""
    return dest.stem.rsplit("-", 1)[-1]


def _file_matches_hash(path: Path) -> bool:
    """Совпадает ли SHA-256 файла с префиксом из его имени (читается кусками по 1 МБ)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fp:
        while chunk := fp.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest().startswith(_hash_prefix(path))


def _download(url: str, dest: Path, timeout: float) -> None:
    """Скачивает ``url`` во временный ``….partial``, сверяет префикс SHA-256 из имени и переименовывает.

    ``timeout`` — ОБЩИЙ срок в секундах (сервер, отдающий по байту, его не обойдёт); временный
    файл удаляется при любом сбое, в том числе Ctrl-C.

    Raises:
        TimeoutError: не уложились в срок.
        OSError: сеть, диск, неверная контрольная сумма.
        http.client.HTTPException: сервер (или прокси) ответил не по протоколу HTTP.
    """
    deadline = time.monotonic() + timeout
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".partial", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        total = 0
        with os.fdopen(fd, "wb") as fp, urllib.request.urlopen(url, timeout=timeout) as response:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"загрузка не уложилась в {timeout:g} с")
                sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
                if sock is not None:
                    sock.settimeout(min(left, timeout))
                read = getattr(response, "read1", response.read)  # read1: один recv, не ждёт полный мегабайт
                chunk = read(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > _MAX_DOWNLOAD_BYTES:
                    raise OSError(f"сервер отдаёт больше {_MAX_DOWNLOAD_BYTES / 2**30:.0f} ГБ — это не файл весов")
                digest.update(chunk)
                fp.write(chunk)
        prefix = _hash_prefix(dest)
        if not digest.hexdigest().startswith(prefix):
            raise OSError(f"контрольная сумма скачанного файла не совпала с {prefix!r}")
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_pretrained_vgg(
    name: str = "vgg16", *, download: bool = True, timeout: float = 20.0, verbose: bool = True
) -> LoadedVGG:
    """VGG из torchvision с весами ImageNet — если они есть в кэше torch или их можно скачать.

    Порядок: файл ``weights_path(name)`` в кэше (его SHA-256 сверяется с префиксом в имени) →
    загрузка (если ``download``) с общим сроком ``timeout`` секунд → иначе та же архитектура со
    случайными весами и
    ``pretrained=False``. Об этом один раз сообщается по-русски: как получить файл и куда его
    положить. Файл читается безопасно: ``torch.load(..., weights_only=True)``.

    Args:
        name: одно из ``VGG_NAMES``.
        download: пробовать ли скачать веса (≈ 528 МиБ для VGG-16).
        timeout: общий срок загрузки в секундах (число > 0) — загрузка не зависает.
        verbose: печатать сообщение.

    Returns:
        :class:`LoadedVGG` (model, weights, pretrained, message); модель в режиме ``eval()``.

    Raises:
        TypeError: download/verbose не bool, timeout не число (например, строка '5').
        ValueError: неизвестное имя, timeout ≤ 0 или бесконечность.
    """
    weights = weights_for(name)
    download = check_bool(download, "download")
    verbose = check_bool(verbose, "verbose")
    timeout = check_real(timeout, "timeout", minimum=0, strict_minimum=True)
    path = weights_path(name)
    model = getattr(torchvision.models, name)(weights=None)
    reason = ""
    if not path.is_file() and download:
        try:
            _download(weights.url, path, timeout)
        except (OSError, http.client.HTTPException, ValueError) as err:
            # URLError, тайм-аут, нет места, неверная контрольная сумма, мусор вместо HTTP от прокси
            if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
                reason = "скачать не удалось: нет подключения к интернету (сервер с весами недоступен)"
            else:
                reason = f"скачать не удалось ({type(err).__name__}: {str(err)[:200]})"
    if path.is_file() and not _file_matches_hash(path):
        reason = (
            f"файл {path} повреждён или подменён: его SHA-256 не начинается с {_hash_prefix(path)!r} "
            "(удалите его и запустите снова — веса скачаются заново)"
        )
    elif path.is_file():
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
            message = f"Загружены веса ImageNet для {name}: {path}"
            if verbose:
                print(_wrap(message))
            return LoadedVGG(model.eval(), weights, True, message)
        except Exception as err:
            reason = f"файл {path} не читается как веса {name} ({type(err).__name__}: {str(err)[:200]})"
            model = getattr(torchvision.models, name)(weights=None)  # без частично загруженных весов
    if not reason:
        reason = "загрузка отключена (download=False)"
    message = (
        f"Веса ImageNet для {name} недоступны: {reason}. Модель создана со СЛУЧАЙНЫМИ весами — её "
        f"ответы бессмысленны. Чтобы получить настоящие веса, скачайте {weights.url} "
        f"(≈ {fmt(weights.meta.get('_file_size', 0), 0, 'МБ')}) и положите файл сюда: {path} "
        f"(папку задаёт переменная окружения TORCH_HOME)."
    )
    if verbose:
        show_html(_message_html(message, weights.url, path), _wrap(message))
    return LoadedVGG(model.eval(), weights, False, message)


def _message_html(message: str, url: str, path: Path) -> str:
    """Сообщение о случайных весах — плашкой без жёстких переносов; адрес и путь — кодом."""
    body = html.escape(message)
    for code in (url, str(path)):
        body = body.replace(html.escape(code), f"<code>{html.escape(code)}</code>")
    return callout("warning", body, css_class="cc-vgg-weights", style="overflow-wrap:break-word")


def _wrap(message: str, width: int = 100) -> str:
    """Переносы только между словами: длинный путь или адрес не режется посередине."""
    return textwrap.fill(message, width, break_long_words=False, break_on_hyphens=False)


def classify_image(
    model: nn.Module, image: Image.Image | torch.Tensor, weights: WeightsEnum, topk: int = 5
) -> list[tuple[str, float]]:
    """Классифицирует одну картинку моделью ImageNet.

    Картинка проходит через официальные преобразования весов (``weights.transforms()``:
    Resize 256, CenterCrop 224, перевод в float, нормировка средним и стандартным отклонением
    ImageNet) — они работают без сети. Имена классов — ``weights.meta['categories']``.
    Размер картинки проверяется до ``Resize`` (слишком вытянутая заняла бы гигабайты);
    режим модели (train/eval) восстанавливается в любом случае.

    Args:
        model: модель с выходом (N, 1000).
        image: ``PIL.Image`` (RGB, L, RGBA, P, I;16, …), или тензор (3, H, W) — uint8 либо float в [0, 1].
        weights: перечисление весов torchvision (например, ``VGG16_Weights.DEFAULT``).
        topk: сколько лучших классов вернуть.

    Returns:
        Список ``(имя класса, вероятность)`` по убыванию вероятности.

    Raises:
        TypeError: не модель, не картинка, не веса torchvision, тензор не uint8/float.
        ValueError: форма не (3, H, W), float вне [0, 1] или NaN, картинка слишком большая или
            вытянутая, выход модели не совпадает с числом классов.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель nn.Module, получено {describe(model)}")
    topk = check_int(topk, "topk", minimum=1)
    if not hasattr(weights, "transforms") or not hasattr(weights, "meta"):
        raise TypeError(
            f"weights: ожидались веса torchvision, например VGG16_Weights.DEFAULT, получено {describe(weights)}"
        )
    if isinstance(image, torch.Tensor):
        if image.ndim != 3 or image.shape[0] != 3:
            raise ValueError(f"image: ожидался тензор (3, H, W), получено {tuple(image.shape)}")
        check_image_size(image.shape[2], image.shape[1], "image")
        if image.dtype == torch.uint8:
            pass
        elif image.is_floating_point():
            lo, hi = float(image.min()), float(image.max())
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0 or hi > 1:
                raise ValueError(
                    f"image: вещественный тензор должен лежать в [0, 1], а значения от {lo:g} до {hi:g}. "
                    "Если это пиксели 0…255, разделите на 255: image / 255 (или передайте uint8)."
                )
        else:
            raise TypeError(f"image: ожидался uint8 или float в [0, 1], получено {image.dtype}")
    elif isinstance(image, Image.Image):
        image = pil_to_rgb(image, "image")  # размер проверяется до декодирования
    else:
        raise TypeError(f"image: ожидалась PIL.Image или тензор (3, H, W), получено {describe(image)}")
    categories = weights.meta["categories"]
    x = weights.transforms()(image).unsqueeze(0)  # (1, 3, 224, 224)
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        logits = model(x.to(device))  # (1, 1000)
    finally:
        model.train(was_training)
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[-1] != len(categories):
        got = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"Модель выдаёт {got}, а ожидалось (1, {len(categories)}) — по числу классов у весов")
    probs = torch.softmax(logits[0].float(), dim=0)
    values, idx = probs.topk(min(topk, len(categories)))
    return [(categories[i], float(v)) for v, i in zip(values.tolist(), idx.tolist())]


def classification_html(results: list[tuple[str, float]], pretrained: bool = True) -> str:
    """Таблица HTML «класс — вероятность» для :func:`classify_image`; предупреждение о случайных весах."""
    from .plotting import percent_text

    rows = "".join(
        f"<tr><td>{k}</td><td>{html.escape(name)}</td><td style='text-align:right'>{percent_text(p)}</td></tr>"
        for k, (name, p) in enumerate(results, 1)
    )
    note = (
        ""
        if pretrained
        else f"<p style='color:{ERROR_COLOR}'>Веса случайные — классы и вероятности ничего не значат.</p>"
    )
    head = "".join(f"<th style='padding: 2px 8px'>{h}</th>" for h in ("№", "класс ImageNet", "вероятность"))
    return f"{note}<table><tr>{head}</tr>{rows}</table>"


def upload_error_text(name: str, err: Exception) -> str:
    """Сообщение ученику о файле, который не удалось прочитать как картинку (без технических подробностей)."""
    text = str(err)
    if text.startswith("Это не картинка"):
        return (
            f"файл «{name}» не похож на картинку (или её формат не поддерживается). "
            "Загрузите фотографию в формате JPEG или PNG."
        )
    return f"файл «{name}»: {text}"


THUMBNAIL_SIDE = 224  # сторона превью загруженной картинки, CSS-пиксели


def thumbnail_png(image: Image.Image) -> tuple[bytes, int]:
    """PNG-превью картинки PIL (сторона до THUMBNAIL_SIDE CSS-пикселей, плотность 2×) и его ширина."""
    import io

    if not isinstance(image, Image.Image):
        raise TypeError(f"image: ожидалась картинка PIL.Image, получено {describe(image)}")
    thumb = image.copy()
    thumb.thumbnail((2 * THUMBNAIL_SIDE, 2 * THUMBNAIL_SIDE))
    buf = io.BytesIO()
    thumb.save(buf, format="PNG")
    return buf.getvalue(), max(1, thumb.width // 2)
