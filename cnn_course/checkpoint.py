"""Контрольные точки: сохранение весов атомарно и безопасная загрузка с понятными ошибками."""

from __future__ import annotations

import contextlib
import os
import pickle
import uuid
import zipfile
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from ._validate import check_name_length, check_path, describe

MAX_CHECKPOINT_BYTES = 2 * 2**30  # 2 ГБ: VGG-16 — 528 МБ; больше — не контрольная точка курса

__all__ = ["save_checkpoint", "load_checkpoint", "check_checkpoint_path"]


def _plain(value: object, depth: int = 0) -> bool:
    """Простое значение для meta: числа, строки, bool, None, списки и словари из них."""
    if depth > 20:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def check_checkpoint_path(path: str | Path, name: str = "path") -> Path:
    """Проверяет путь будущей контрольной точки до долгой работы (обучения): не папка, родитель не файл,
    имя умещается в 255 байт.

    Raises:
        TypeError: не путь.
        ValueError: путь пуст, это папка, одна из папок на пути — файл или имя слишком длинное.
    """
    path = check_path(path, name)
    check_name_length(path, name)
    if path.is_dir():
        raise ValueError(f"{name}: {path} — это папка; укажите имя файла, например {path / 'model.pt'}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{name}: {parent} — файл, а не папка; в нём нельзя создать {path.name}")
            break
    return path


def save_checkpoint(path: str | Path, model: nn.Module, **meta: Any) -> Path:
    """Сохраняет ``{'state_dict': …, 'meta': {…}}`` атомарно (временный файл + переименование).

    Временный файл — новый, с уникальным коротким именем (``.<PID>.<случайное>.pt-tmp`` рядом с
    целью): запись никогда не идёт через чужой файл или символическую ссылку, а два процесса,
    сохраняющие один путь, не портят друг другу файл. Если запись прервалась (ошибка, нет места,
    Ctrl-C), прежний файл остаётся как был, а временный удаляется. ``meta`` — только простые
    значения (числа, строки, bool, None, списки и словари из них), чтобы файл читался безопасным
    ``torch.load(..., weights_only=True)``.

    Raises:
        TypeError: ``model`` не модель, ``path`` не путь, в ``meta`` не простое значение.
        ValueError: путь — существующая папка или его родитель — файл.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель torch.nn.Module, получено {describe(model)}")
    path = check_path(path, "path")
    for key, value in meta.items():
        if not _plain(value):
            raise TypeError(
                f"meta[{key!r}]: ожидалось простое значение (число, строка, список, словарь), "
                f"получено {type(value).__name__}"
            )
    check_checkpoint_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(f".{os.getpid()}.{uuid.uuid4().hex[:12]}.pt-tmp")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666))
        torch.save({"state_dict": state, "meta": dict(meta)}, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def _check_archive(path: Path) -> None:
    """Размер и сжатие — ДО загрузки: ``torch.save`` пишет записи без сжатия, поэтому распакованные
    записи не могут быть больше самого файла. Сжатая запись (zip-бомба) отвергается, не распаковываясь.

    Raises:
        ValueError: файл больше 2 ГБ, не zip-архив ``torch.save``, сжатая запись или записи больше файла.
    """
    size = path.stat().st_size
    if size > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"{path}: файл {size / 2**30:.1f} ГБ — больше 2 ГБ, это не контрольная точка курса")
    try:
        with zipfile.ZipFile(path) as archive:
            records = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValueError(
            f"{path}: не удалось прочитать контрольную точку — файл повреждён или это не файл torch.save "
            "(ожидался zip-архив)"
        ) from None
    if any(r.compress_type != zipfile.ZIP_STORED for r in records):
        raise ValueError(
            f"{path}: в файле сжатые записи, а torch.save их не сжимает — файл собран не torch.save "
            "(сжатая запись может распаковаться в гигабайты). Такой файл не загружается."
        )
    if sum(r.file_size for r in records) > size:
        raise ValueError(f"{path}: записи архива объявляют больше данных, чем в файле — файл повреждён")


def load_checkpoint(path: str | Path, model: nn.Module, *, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Загружает веса в ``model`` (безопасно: ``weights_only=True``) и возвращает meta.

    Понимает и файл :func:`save_checkpoint`, и «голый» state_dict, как ``model_sun.tar`` лекции.
    Файл, который пытается выполнить код при загрузке, отвергается: такие файлы не открывают.

    Raises:
        TypeError: ``model`` не модель, ``path`` не путь.
        FileNotFoundError: файла нет.
        ValueError: файл не контрольная точка, повреждён, небезопасен или веса не подходят к модели
            (какие ключи и формы).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель torch.nn.Module, получено {describe(model)}")
    path = check_path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"Файл контрольной точки не найден: {path}")
    _check_archive(path)
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        reason = str(err).rpartition("WeightsUnpickler error:")[2]
        if "Unsupported global" not in reason and "GLOBAL" not in reason:  # не объект Python, а испорченные байты
            raise ValueError(
                f"{path}: не удалось прочитать контрольную точку — файл повреждён или это не файл torch.save"
            ) from None
        raise ValueError(
            f"{path}: файл содержит не только тензоры и простые значения (объекты Python, код) — "
            "безопасная загрузка его отвергла. Не открывайте такие файлы из непроверенных источников; "
            "сохраняйте веса через state_dict() или cc.save_checkpoint."
        ) from None
    except Exception as err:
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise ValueError(
            f"{path}: не удалось прочитать контрольную точку — файл повреждён или это не файл torch.save ({first})"
        ) from None
    if isinstance(obj, dict) and "state_dict" in obj:
        state, meta = obj["state_dict"], obj.get("meta", {})
        if not isinstance(meta, dict):
            meta = {}
    elif isinstance(obj, dict):
        state, meta = obj, {}
    else:
        raise ValueError(f"{path}: ожидался словарь весов (state_dict), получено {type(obj).__name__}")
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise ValueError(f"{path}: ожидался словарь «имя → тензор» (state_dict), а в файле другое")
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [
        f"{k}: в файле {tuple(state[k].shape)}, в модели {tuple(own[k].shape)}"
        for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"нет в файле: {missing[:5]}{' …' if len(missing) > 5 else ''}")
        if unexpected:
            parts.append(f"лишние в файле: {unexpected[:5]}{' …' if len(unexpected) > 5 else ''}")
        if shapes:
            parts.append("другие формы: " + "; ".join(shapes[:5]))
        raise ValueError(
            f"{path.name}: веса не подходят к модели {type(model).__name__} — "
            + ", ".join(parts)
            + ". Создайте ту же архитектуру, что и при сохранении."
        )
    model.load_state_dict(state)
    return dict(meta)
