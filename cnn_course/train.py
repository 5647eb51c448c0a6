"""Обучение как простые функции: эпоха, оценка, fit с историей, контрольные точки, загрузчик из тензоров."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn as nn
from tqdm.auto import tqdm

from ._validate import check_int
from .settings import get_device

__all__ = [
    "get_device", "TrainingDiverged", "TensorLoader", "train_one_epoch", "evaluate", "History", "fit",
    "save_checkpoint", "load_checkpoint", "reorder_relu_pool",
]


class TrainingDiverged(FloatingPointError):
    """Функция потерь стала NaN или бесконечностью — обучение остановлено."""


class TensorLoader:
    """Батчи из заранее декодированных тензоров — замена DataLoader без повторного чтения PNG.

    Args:
        images: uint8-тензор (N, C, H, W) (например, ``SunDataset(..., preload=True).images``).
        targets: тензор (N, K) (например, координаты (x, y)).
        batch_size: размер батча.
        shuffle: перемешивать каждую эпоху (зерно ``seed`` + номер эпохи — повторяемо).
        seed: зерно перемешивания.
        target_center, target_scale: цели отдаются как (y − center) / scale (для пикселей
            256×256: center = scale = 128 переводит [0, 256] в [-1, 1]); по умолчанию без изменений.
        shift: из картинок вычитается shift после перевода в [0, 1] (0.5 — центрирование около 0).
        channels_last: отдавать батчи в формате памяти channels_last.

    Итерация даёт пары ``(x, y)``: x — float32 (B, C, H, W), y — float32 (B, K).
    """

    def __init__(self, images: torch.Tensor, targets: torch.Tensor, batch_size: int = 32, shuffle: bool = False,
                 *, seed: int = 0, target_center: float = 0.0, target_scale: float = 1.0, shift: float = 0.0,
                 channels_last: bool = False):
        if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.dtype != torch.uint8:
            got = f"{tuple(images.shape)} {images.dtype}" if isinstance(images, torch.Tensor) else type(images).__name__
            raise TypeError(f"images: ожидался uint8-тензор (N, C, H, W), получено {got}")
        if not isinstance(targets, torch.Tensor) or targets.ndim != 2 or len(targets) != len(images):
            got = tuple(targets.shape) if isinstance(targets, torch.Tensor) else type(targets).__name__
            raise ValueError(f"targets: ожидался тензор ({len(images)}, K) — по строке на картинку, получено {got}")
        if target_scale == 0:
            raise ValueError("target_scale не может быть 0")
        self.images = images
        self.targets = ((targets.float() - target_center) / target_scale).contiguous()
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.shuffle = shuffle
        self.seed = check_int(seed, "seed")
        self.shift = float(shift)
        self.channels_last = channels_last
        self.epoch = 0

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __iter__(self):
        n = len(self.images)
        if self.shuffle:
            gen = torch.Generator().manual_seed(self.seed * 100003 + self.epoch)
            order = torch.randperm(n, generator=gen)
        else:
            order = torch.arange(n)
        self.epoch += 1
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            x = self.images[idx].float().div_(255.0)  # (B, C, H, W) в [0, 1]
            if self.shift:
                x.sub_(self.shift)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            yield x, self.targets[idx]


def _check_finite(loss: torch.Tensor, epoch: int, step: int) -> None:
    if not torch.isfinite(loss):
        raise TrainingDiverged(
            f"Эпоха {epoch}, шаг {step}: функция потерь стала {loss.item()} — обучение остановлено, "
            "чтобы не учиться на мусоре. Что помогает: уменьшить скорость обучения (lr), "
            "нормировать цели (например, координаты в [-1, 1]) и входы, добавить BatchNorm."
        )


def train_one_epoch(model: nn.Module, loader, loss_fn, optimizer, *, device=None, scheduler=None, epoch: int = 1,
                    epochs: int = 1, channels_last: bool = False, progress: bool = True) -> dict:
    """Одна эпоха обучения: ``model.train()``, проход по батчам, шаг оптимизатора (и планировщика).

    Полоса tqdm показывает ``Epoch e/E, loss_mean=...`` — скользящее среднее по формуле лекции
    ``loss_mean = 1/k·loss + (1 − 1/k)·loss_mean`` (k — номер батча).

    Args:
        loader: итерируемое пар (x (B, C, H, W), y (B, K)) — DataLoader или :class:`TensorLoader`.
        scheduler: планировщик, шаг которого делается после каждого батча (например, OneCycleLR).

    Returns:
        ``{'loss': средняя потеря по примерам, 'loss_mean': по формуле лекции, 'seconds': время,
        'images': число примеров, 'img_per_s': скорость}``.

    Raises:
        TrainingDiverged: потеря стала NaN или ±inf.
    """
    device = get_device(device)
    model.train()
    total, count, loss_mean, k = 0.0, 0, 0.0, 0
    start = time.perf_counter()
    bar = tqdm(loader, leave=True, disable=not progress)
    for x, y in bar:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        predict = model(x)
        loss = loss_fn(predict, y)
        _check_finite(loss, epoch, k + 1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        k += 1
        value = loss.item()
        loss_mean = 1 / k * value + (1 - 1 / k) * loss_mean
        total += value * len(x)
        count += len(x)
        bar.set_description(f"Epoch {epoch}/{epochs}, loss_mean={loss_mean:.3f}")
    bar.close()
    seconds = time.perf_counter() - start
    if count == 0:
        raise ValueError("loader не выдал ни одного батча — набор данных пуст?")
    return {"loss": total / count, "loss_mean": loss_mean, "seconds": seconds, "images": count,
            "img_per_s": count / seconds if seconds > 0 else float("inf")}


@torch.no_grad()
def evaluate(model: nn.Module, loader, loss_fn=None, *, device=None, pixel_scale: float = 1.0,
             channels_last: bool = False, progress: bool = False) -> dict:
    """Оценка на тесте: ``model.eval()``, ``torch.no_grad()``, потери усредняются по примерам.

    MSE в пикселях считается по предсказаниям: средний квадрат ошибки по всем координатам,
    умноженный на ``pixel_scale²`` (если цели нормированы как (y − c) / scale, передайте scale).
    RMSE = √MSE — типичная ошибка одной координаты в пикселях.

    Returns:
        ``{'loss': средняя потеря (по loss_fn, по умолчанию MSELoss), 'mse_px': …, 'rmse_px': …,
        'images': число примеров}``.
    """
    device = get_device(device)
    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()
    model.eval()
    total, sq, count, coords = 0.0, 0.0, 0, 0
    for x, y in tqdm(loader, leave=False, disable=not progress):
        x, y = x.to(device), y.to(device)
        if channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        p = model(x)
        total += loss_fn(p, y).item() * len(x)
        sq += ((p.float() - y.float()) ** 2).sum().item()
        count += len(x)
        coords += y.numel()
    if count == 0:
        raise ValueError("loader не выдал ни одного батча — тестовый набор пуст?")
    mse_px = sq / coords * pixel_scale**2
    return {"loss": total / count, "mse_px": mse_px, "rmse_px": math.sqrt(mse_px), "images": count}


@dataclass
class History:
    """История обучения: по одному значению на эпоху."""

    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_mse_px: list[float] = field(default_factory=list)
    test_rmse_px: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    img_per_s: list[float] = field(default_factory=list)

    @property
    def train_seconds(self) -> float:
        """Суммарное время обучения (без оценки на тесте), секунды."""
        return float(sum(self.seconds))


def _live_plot(history: History, handle):
    """Рисует кривые потерь и обновляет вывод ячейки (IPython display handle)."""
    from .plotting import new_figure

    fig = new_figure(6, 3)
    ax = fig.add_subplot(1, 1, 1)
    epochs = range(1, len(history.train_loss) + 1)
    ax.plot(epochs, history.train_loss, "o-", label="обучение")
    if history.test_loss:
        ax.plot(epochs, history.test_loss, "s-", label="тест")
    ax.set_xlabel("эпоха")
    ax.set_ylabel("потеря")
    ax.set_yscale("log")
    ax.legend()
    if handle is None:
        from IPython.display import display

        return display(fig, display_id=True)
    handle.update(fig)
    return handle


def fit(model: nn.Module, train_loader, test_loader=None, *, epochs: int = 5, optimizer=None, loss_fn=None,
        scheduler=None, device=None, pixel_scale: float = 1.0, channels_last: bool = False,
        progress: bool = True, live_plot: bool = False, checkpoint=None) -> History:
    """Обучает ``epochs`` эпох и после каждой (если дан ``test_loader``) оценивает на тесте.

    По умолчанию — как в лекции: ``Adam(lr=1e-3, weight_decay=1e-3)`` и ``MSELoss``.

    Args:
        scheduler: планировщик с шагом после каждого батча или ``'onecycle'`` — OneCycleLR
            с max_lr, равным lr оптимизатора.
        pixel_scale: множитель для пересчёта ошибки в пиксели (см. :func:`evaluate`).
        channels_last: перевести модель и батчи в формат channels_last (быстрее на CPU).
        live_plot: рисовать кривую потерь в ноутбуке после каждой эпохи.
        checkpoint: путь — после каждой эпохи сохранять контрольную точку.

    Returns:
        :class:`History`.
    """
    epochs = check_int(epochs, "epochs", minimum=1)
    device = get_device(device)
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-3)
    if scheduler == "onecycle":
        max_lr = [g["lr"] for g in optimizer.param_groups]
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, epochs=epochs,
                                                        steps_per_epoch=len(train_loader), pct_start=0.25)
    history, handle = History(), None
    for e in range(1, epochs + 1):
        stats = train_one_epoch(model, train_loader, loss_fn, optimizer, device=device, scheduler=scheduler,
                                epoch=e, epochs=epochs, channels_last=channels_last, progress=progress)
        history.train_loss.append(stats["loss"])
        history.seconds.append(stats["seconds"])
        history.img_per_s.append(stats["img_per_s"])
        if test_loader is not None:
            ev = evaluate(model, test_loader, loss_fn, device=device, pixel_scale=pixel_scale,
                          channels_last=channels_last)
            history.test_loss.append(ev["loss"])
            history.test_mse_px.append(ev["mse_px"])
            history.test_rmse_px.append(ev["rmse_px"])
        if live_plot:
            handle = _live_plot(history, handle)
        if checkpoint is not None:
            save_checkpoint(checkpoint, model, epoch=e, train_loss=stats["loss"])
    return history


def save_checkpoint(path, model: nn.Module, **meta) -> Path:
    """Сохраняет ``{'state_dict': …, 'meta': {…}}`` атомарно (временный файл + переименование).

    ``meta`` — только простые значения (числа, строки, bool, None, списки и словари из них),
    чтобы файл читался безопасным ``torch.load(..., weights_only=True)``.
    """
    def plain(v) -> bool:
        if v is None or isinstance(v, (bool, int, float, str)):
            return True
        if isinstance(v, (list, tuple)):
            return all(plain(i) for i in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(i) for k, i in v.items())
        return False

    for key, value in meta.items():
        if not plain(value):
            raise TypeError(f"meta[{key!r}]: ожидалось простое значение (число, строка, список, словарь), "
                            f"получено {type(value).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"state_dict": state, "meta": dict(meta)}, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path, model: nn.Module, *, map_location="cpu") -> dict:
    """Загружает веса в ``model`` (безопасно: ``weights_only=True``) и возвращает meta.

    Понимает и файл :func:`save_checkpoint`, и «голый» state_dict, как ``model_sun.tar`` лекции.

    Raises:
        FileNotFoundError: файла нет.
        ValueError: файл не контрольная точка или веса не подходят к модели (какие ключи и формы).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Файл контрольной точки не найден: {path}")
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: BLE001 — любой сбой чтения превращаем в понятное сообщение
        raise ValueError(f"{path}: не удалось прочитать контрольную точку ({type(err).__name__}: {err})") from None
    if isinstance(obj, dict) and "state_dict" in obj:
        state, meta = obj["state_dict"], dict(obj.get("meta", {}))
    elif isinstance(obj, dict):
        state, meta = obj, {}
    else:
        raise ValueError(f"{path}: ожидался словарь весов (state_dict), получено {type(obj).__name__}")
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k}: в файле {tuple(state[k].shape)}, в модели {tuple(own[k].shape)}"
              for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"нет в файле: {missing[:5]}{' …' if len(missing) > 5 else ''}")
        if unexpected:
            parts.append(f"лишние в файле: {unexpected[:5]}{' …' if len(unexpected) > 5 else ''}")
        if shapes:
            parts.append("другие формы: " + "; ".join(shapes[:5]))
        raise ValueError(f"{path}: веса не подходят к модели {type(model).__name__} — " + ", ".join(parts)
                         + ". Создайте ту же архитектуру, что и при сохранении.")
    model.load_state_dict(state)
    return meta


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
        if (i + 1 < len(layers) and type(layers[i]) is nn.ReLU and type(layers[i + 1]) is nn.MaxPool2d):
            out += [layers[i + 1], nn.ReLU(inplace=True)]
            i += 2
        else:
            out.append(layers[i])
            i += 1
    return nn.Sequential(*out)
