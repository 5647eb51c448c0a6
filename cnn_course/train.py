"""Обучение как простые функции, не знающие задачи: эпоха, оценка с метриками, fit с историей,
предсказания по батчам, контрольные точки, загрузчик из тензоров.

Устройство помощники берут у модели (:func:`model_device`) и сами его не выбирают."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import torch
import torch.nn as nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler
from tqdm.auto import tqdm

from ._validate import check_int, check_real, describe
from .checkpoint import save_checkpoint
from .formatting import fmt
from .settings import get_device

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

__all__ = [
    "TrainingDiverged",
    "TensorLoader",
    "model_device",
    "train_one_epoch",
    "predict",
    "evaluate",
    "accuracy",
    "History",
    "fit",
]


class TrainingDiverged(FloatingPointError):
    """Функция потерь стала NaN или бесконечностью — обучение остановлено."""


_DIVERGED_RATIO = 1e3  # средняя потеря эпохи больше первой в 10³ раз — обучение разошлось
_MIN_ONECYCLE_STEPS = 5  # при 4 шагах у OneCycleLR нулевой разгон (деление на ноль), при меньших — отрицательный
_EPOCH_STRIDE = 100_003  # простое число: зёрна перемешивания (seed, эпоха) не повторяются у соседних seed

# Типы аргументов помощников: батчи (x, y), функция потерь, метрика.
Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Metric = Callable[[torch.Tensor, torch.Tensor], float | torch.Tensor]


class TensorLoader:
    """Батчи из заранее декодированных тензоров — замена DataLoader без повторного чтения PNG.

    Args:
        images: uint8-тензор (N, C, H, W) (например, ``SunDataset(..., preload=True).images``).
        targets: тензор (N, K) (например, координаты (x, y)) или целые номера классов (N,) —
            они отдаются как есть, int64 (классификация, урок 6).
        batch_size: размер батча.
        shuffle: перемешивать каждую эпоху (зерно ``seed`` + номер эпохи — повторяемо).
        seed: зерно перемешивания.
        target_center, target_scale: цели отдаются как (y − center) / scale (для пикселей
            256×256: center = scale = 128 переводит [0, 256] в [-1, 1]); по умолчанию без изменений.
        shift: из картинок вычитается shift после перевода в [0, 1] (0.5 — центрирование около 0).
        channels_last: отдавать батчи в формате памяти channels_last.
        transform: аугментация одной картинки uint8 (C, H, W) → uint8 (C, H, W), например
            ``transforms.v2.RandomHorizontalFlip()``; случайность — от ``seed``, эпохи и номера батча
            (глобальный ГСЧ torch не меняется).

    Итерация даёт пары ``(x, y)``: x — float32 (B, C, H, W), y — float32 (B, K) или int64 (B,).
    """

    def __init__(
        self,
        images: torch.Tensor,
        targets: torch.Tensor,
        batch_size: int = 32,
        shuffle: bool = False,
        *,
        seed: int = 0,
        target_center: float = 0.0,
        target_scale: float = 1.0,
        shift: float = 0.0,
        channels_last: bool = False,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.dtype != torch.uint8:
            got = f"{tuple(images.shape)} {images.dtype}" if isinstance(images, torch.Tensor) else type(images).__name__
            raise TypeError(f"images: ожидался uint8-тензор (N, C, H, W), получено {got}")
        labels = isinstance(targets, torch.Tensor) and targets.ndim == 1 and not targets.is_floating_point()
        if not isinstance(targets, torch.Tensor) or not (labels or targets.ndim == 2) or len(targets) != len(images):
            got = describe(targets)
            raise ValueError(
                f"targets: ожидался тензор ({len(images)}, K) — по строке на картинку — или целые номера классов "
                f"({len(images)},), получено {got}"
            )
        if transform is not None and not callable(transform):
            raise TypeError(f"transform: ожидалась функция или преобразование v2, получено {describe(transform)}")
        target_center = check_real(target_center, "target_center")
        target_scale = check_real(target_scale, "target_scale")
        if target_scale == 0:
            raise ValueError("target_scale: не может быть 0 — на него делятся цели; для пикселей 256×256 возьмите 128")
        shift = check_real(shift, "shift")
        self.images = images
        self.targets = targets.long() if labels else ((targets.float() - target_center) / target_scale).contiguous()
        self.transform = transform
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.shuffle = shuffle
        self.seed = check_int(seed, "seed", minimum=0, maximum=2**31 - 1)
        self.shift = float(shift)
        self.channels_last = channels_last
        self.epoch = 0

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.images)
        if self.shuffle:
            gen = torch.Generator().manual_seed(self.seed * _EPOCH_STRIDE + self.epoch)
            order = torch.randperm(n, generator=gen)
        else:
            order = torch.arange(n)
        self.epoch += 1
        for step, start in enumerate(range(0, n, self.batch_size)):
            idx = order[start : start + self.batch_size]
            images = self.images[idx]  # (B, C, H, W) uint8
            if self.transform is not None:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed((self.seed * _EPOCH_STRIDE + self.epoch) * 10_007 + step)
                    images = torch.stack([self.transform(img) for img in images])
            x = images.float().div_(255.0)  # (B, C, H, W) в [0, 1]
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


def _check_shapes(predict: torch.Tensor, y: torch.Tensor) -> None:
    """Вещественные цели должны быть той же формы, что ответ: иначе MSE молча «размножит» их
    ((B, 1) и (B,) → (B, B)) и модель выучит не то. Целые цели — номера классов, их форма другая."""
    if y.is_floating_point() and predict.shape != y.shape:
        p, t = tuple(predict.shape), tuple(y.shape)
        if predict.ndim == y.ndim + 1 and p[-1] == 1:
            fix = "добавьте целям ось: y.view(-1, 1) (или уберите её у ответа: predict.squeeze(1))"
        elif y.ndim == predict.ndim + 1 and t[-1] == 1:
            fix = "уберите у целей лишнюю ось: y.squeeze(1) (или добавьте её ответу: predict.view(-1, 1))"
        else:
            fix = "число выходов модели должно совпадать с формой целей"
        raise ValueError(
            f"Ответ модели формы {p} и цели формы {t} не совпадают: функция потерь «размножила» бы их до общей "
            f"формы и посчитала не то, что нужно. Исправьте: {fix}."
        )


def _step(model: nn.Module, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Ответ и потеря на одном батче; ошибку форм из глубин torch превращает в понятную русскую."""
    try:
        predict = model(x)
    except RuntimeError as err:
        raise ValueError(
            f"Модель не приняла батч формы {tuple(x.shape)}: {str(err).splitlines()[0][:200]}. Проверьте число "
            "каналов и размер картинок (cc.trace_shapes(model, x.shape) покажет, где не сходится)."
        ) from None
    _check_shapes(predict, y)
    try:
        loss = loss_fn(predict, y)
    except RuntimeError as err:
        raise ValueError(
            f"Функция потерь не приняла ответ модели {tuple(predict.shape)} и цели {tuple(y.shape)}: "
            f"{str(err).splitlines()[0][:200]}. Число выходов модели должно совпадать с формой целей."
        ) from None
    if loss.numel() != 1:
        raise ValueError(
            f"loss_fn: ожидалось одно число (среднее по батчу), получен тензор формы {tuple(loss.shape)} — "
            "уберите reduction='none' или усредните: loss.mean()"
        )
    return predict, loss


def _finite_model(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in model.parameters() if t.is_floating_point())


def model_device(model: nn.Module) -> torch.device:
    """Устройство, на котором лежат параметры (или буферы) модели; CPU, если их нет.

    Помощники курса берут устройство отсюда и никогда не выбирают его сами: вход переезжает
    к модели, а не наоборот.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель torch.nn.Module, получено {type(model).__name__}")
    for tensor in model.parameters():
        return tensor.device
    for buffer in model.buffers():
        return buffer.device
    return torch.device("cpu")


def _loss_text(value: float) -> str:
    """Потеря для полосы прогресса: четыре значащие цифры, десятичная запятая."""
    if not math.isfinite(value) or value == 0:
        return fmt(value, 4)
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    return fmt(value, min(digits, 8))


def train_one_epoch(
    model: nn.Module,
    loader: Batches,
    loss_fn: LossFn,
    optimizer: Optimizer,
    *,
    scheduler: LRScheduler | None = None,
    epoch: int = 1,
    epochs: int = 1,
    channels_last: bool = False,
    progress: bool = True,
) -> dict[str, float]:
    """Одна эпоха обучения: ``model.train()``, проход по батчам, шаг оптимизатора (и планировщика).

    Батчи переносятся на устройство модели (:func:`model_device`). Полоса tqdm показывает
    «Эпоха e/E, потеря …» — среднее по батчам эпохи, посчитанное на лету по формуле лекции
    ``loss_mean = 1/k·loss + (1 − 1/k)·loss_mean`` (k — номер батча).

    Args:
        loader: итерируемое пар (x (B, …), y (B, …)) — DataLoader или :class:`TensorLoader`.
        loss_fn: функция потерь ``loss_fn(predict, y)`` → скаляр.
        scheduler: планировщик, шаг которого делается после каждого батча (например, OneCycleLR).

    Returns:
        ``{'loss': средняя потеря по примерам, 'loss_mean': по формуле лекции, 'seconds': время,
        'images': число примеров, 'img_per_s': скорость}``.

    Raises:
        TrainingDiverged: потеря стала NaN или ±inf или веса после эпохи не конечны.
        ValueError: загрузчик не выдал ни одного батча; модель не приняла батч; ответ и вещественные
            цели разной формы (проверяется на каждом батче).
    """
    device = model_device(model)
    model.train()
    total, count, loss_mean, k = 0.0, 0, 0.0, 0
    start = time.perf_counter()
    # полоса последней эпохи остаётся (итог обучения), остальные исчезают — вывод урока не растёт на эпоху
    bar = tqdm(loader, leave=epoch == epochs, disable=not progress, desc=f"Эпоха {epoch}/{epochs}")
    for x, y in bar:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        _, loss = _step(model, loss_fn, x, y)
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
        bar.set_description(f"Эпоха {epoch}/{epochs}, потеря {_loss_text(loss_mean)}")
    bar.close()
    seconds = time.perf_counter() - start
    if count == 0:
        raise ValueError("loader: загрузчик не выдал ни одного батча — набор данных пуст? Проверьте его длину.")
    if not _finite_model(model):
        raise TrainingDiverged(
            f"Эпоха {epoch}: после шага оптимизатора в весах модели NaN или бесконечность (потеря последнего "
            "шага была конечной). Уменьшите скорость обучения (lr) или нормируйте цели и входы."
        )
    return {
        "loss": total / count,
        "loss_mean": loss_mean,
        "seconds": seconds,
        "images": count,
        "img_per_s": count / seconds if seconds > 0 else float("inf"),
    }


@torch.no_grad()
def predict(
    model: nn.Module,
    inputs: torch.Tensor | Iterable[torch.Tensor | tuple[torch.Tensor, ...] | list[torch.Tensor]],
    *,
    batch_size: int = 64,
    channels_last: bool = False,
    prepare: Callable[[torch.Tensor], torch.Tensor] | None = None,
    progress: bool = False,
) -> torch.Tensor:
    """Ответы модели на много входов — по батчам, на устройстве модели, результат на CPU.

    Весь набор через модель за один вызов не пропускается: карты признаков первого слоя модели
    лекции для 1000 картинок 256×256 заняли бы 8,4 ГБ.

    Args:
        model: модель; переводится в ``eval()`` на время вызова и возвращается в прежний режим.
        inputs: тензор (N, …) или итерируемое батчей (x или пары (x, y), как у DataLoader).
        batch_size: размер батча, если ``inputs`` — тензор.
        channels_last: подавать батчи в формате channels_last.
        prepare: функция батча перед моделью (например, ``lambda x: x.float() / 255``).

    Returns:
        Тензор (N, K) — ответы модели в порядке входов, на CPU.
    """
    device = model_device(model)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if isinstance(inputs, torch.Tensor):
        batches = (inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size))
        total: int | None = math.ceil(len(inputs) / batch_size)
    else:
        batches = ((b[0] if isinstance(b, (tuple, list)) else b) for b in inputs)
        total = len(cast(Sized, inputs)) if hasattr(inputs, "__len__") else None
    was_training = model.training
    model.eval()
    outputs = []
    try:
        for x in tqdm(batches, total=total, leave=False, disable=not progress, desc="Предсказания"):
            if prepare is not None:
                x = prepare(x)
            x = x.to(device)
            if channels_last and x.ndim == 4:
                x = x.contiguous(memory_format=torch.channels_last)
            outputs.append(model(x).float().cpu())
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("inputs: пусто — нет ни одного примера для предсказания")
    return torch.cat(outputs)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Batches,
    loss_fn: LossFn | None = None,
    *,
    metrics: Mapping[str, Metric] | None = None,
    channels_last: bool = False,
    progress: bool = False,
) -> dict[str, float]:
    """Оценка на тесте: ``model.eval()``, ``torch.no_grad()``, батчи на устройстве модели.

    Потеря усредняется по примерам (а не по батчам). Метрики считаются по всем ответам сразу:
    ответы и цели батчей собираются на CPU (это (N, K) чисел, а не картинки), затем каждая
    метрика получает их целиком.

    Args:
        loss_fn: функция потерь (по умолчанию ``MSELoss``).
        metrics: словарь «имя → функция(predict (N, K), target (N, …)) → число», например
            ``{'accuracy': accuracy}`` для классификации или метрики в пикселях из
            :func:`cnn_course.sun.sun_metrics`.

    Returns:
        ``{'loss': …, 'images': число примеров, <имя метрики>: значение, …}``.

    Raises:
        ValueError: в весах модели NaN или бесконечность; ответ и вещественные цели разной формы.
    """
    device = model_device(model)
    if not _finite_model(model):
        raise ValueError(
            "model: в весах модели NaN или бесконечность — оценка дала бы NaN вместо чисел. Обучение "
            "разошлось: загрузите прежние веса или обучите заново с меньшей скоростью обучения."
        )
    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()
    metrics = _check_metrics(metrics)
    was_training = model.training
    model.eval()
    total, count, preds, targets = 0.0, 0, [], []
    try:
        for x, y in tqdm(loader, leave=False, disable=not progress, desc="Оценка"):
            x, y = x.to(device), y.to(device)
            if channels_last and x.ndim == 4:
                x = x.contiguous(memory_format=torch.channels_last)
            p, loss = _step(model, loss_fn, x, y)
            total += loss.item() * len(x)
            count += len(x)
            if metrics:
                preds.append(p.detach().float().cpu())
                targets.append(y.detach().cpu())
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("loader: загрузчик не выдал ни одного батча — тестовый набор пуст?")
    result = {"loss": total / count, "images": count}
    if metrics:
        p_all, y_all = torch.cat(preds), torch.cat(targets)
        for name, fn in metrics.items():
            value = fn(p_all, y_all)
            result[name] = float(value.item() if isinstance(value, torch.Tensor) else value)
    return result


def _check_metrics(metrics: object) -> dict[str, Metric]:
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise TypeError(
            "metrics: ожидался словарь «имя → функция(predict, target)», например "
            f"{{'accuracy': accuracy}}, получено {type(metrics).__name__}"
        )
    for name, fn in metrics.items():
        if not isinstance(name, str) or not callable(fn):
            raise TypeError(f"metrics: ключи — строки, значения — функции; получено {name!r}: {type(fn).__name__}")
        if name in ("loss", "images"):
            raise ValueError(f"metrics: имя {name!r} занято, выберите другое")
    return dict(metrics)


def accuracy(predict: torch.Tensor, target: torch.Tensor) -> float:
    """Доля верных ответов классификатора: predict — логиты (N, K), target — номера классов (N,) или (N, 1).

    Raises:
        ValueError: формы не такие (иначе сравнение (N,) с (N, 1) дало бы матрицу N×N и неверную долю).
    """
    if not isinstance(predict, torch.Tensor) or predict.ndim != 2:
        raise ValueError(f"predict: ожидались логиты формы (N, K), получено {describe(predict)}")
    if isinstance(target, torch.Tensor) and target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]  # (N, 1) → (N,)
    if not isinstance(target, torch.Tensor) or target.shape != predict.shape[:1]:
        raise ValueError(
            f"target: ожидались номера классов формы ({len(predict)},) или ({len(predict)}, 1), "
            f"получено {describe(target)}"
        )
    return (predict.argmax(dim=1) == target).float().mean().item()


@dataclass
class History:
    """История обучения: по одному значению на эпоху.

    ``test_metrics`` — словарь «имя метрики → список значений по эпохам» (то, что вернул
    :func:`evaluate`); ``history['rmse_px']`` — то же, что ``history.test_metrics['rmse_px']``.
    """

    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_metrics: dict[str, list[float]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    img_per_s: list[float] = field(default_factory=list)

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.test_metrics:
            raise KeyError(f"метрики {name!r} нет в истории; есть: {sorted(self.test_metrics)}")
        return self.test_metrics[name]

    @property
    def epochs(self) -> int:
        """Число пройденных эпох."""
        return len(self.train_loss)

    @property
    def train_seconds(self) -> float:
        """Суммарное время обучения (без оценки на тесте), секунды."""
        return float(sum(self.seconds))


def _live_plot(history: History, handle: DisplayHandle | None) -> DisplayHandle | None:
    """Рисует кривые потерь и обновляет вывод ячейки (IPython display handle).

    После одной эпохи на графике по точке на кривую — они показаны маркерами с подписью значения,
    а не «кривой»; ось y без смещений вида «2.0275×10⁴».
    """
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from .plotting import new_figure

    fig = new_figure(6, 3)
    ax = fig.add_subplot(1, 1, 1)
    epochs = list(range(1, history.epochs + 1))
    series = [("обучение", history.train_loss, "o-")]
    if history.test_loss:
        series.append(("тест", history.test_loss, "s--"))
    for label, values, style in series:
        ax.plot(epochs, values, style, label=label, markersize=6)
        if len(values) == 1:
            ax.annotate(
                _loss_text(values[0]),
                (1, values[0]),
                textcoords="offset points",
                xytext=(8, 0),
                va="center",
                fontsize=9,
            )
    values = [v for _, vs, _ in series for v in vs if v > 0]
    if len(epochs) > 1 and values and max(values) / min(values) > 20:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _loss_text(v)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0.5, len(epochs) + 0.5)
    ax.set_xticks(epochs)
    ax.set_xlabel("эпоха")
    ax.set_ylabel("потеря")
    ax.set_title("Кривая потерь" if len(epochs) > 1 else "Потери после первой эпохи", fontsize=10)
    ax.legend()
    if handle is None:
        from IPython.display import display

        return display(fig, display_id=True)
    handle.update(fig)
    return handle


def fit(
    model: nn.Module,
    train_loader: Batches,
    test_loader: Batches | None = None,
    *,
    epochs: int = 5,
    optimizer: Optimizer | None = None,
    loss_fn: LossFn | None = None,
    scheduler: LRScheduler | Literal["onecycle"] | None = None,
    metrics: Mapping[str, Metric] | None = None,
    device: str | torch.device | None = None,
    channels_last: bool = False,
    progress: bool = True,
    live_plot: bool = False,
    checkpoint: str | Path | None = None,
) -> History:
    """Обучает ``epochs`` эпох и после каждой (если дан ``test_loader``) оценивает на тесте.

    По умолчанию — как в лекции: ``Adam(lr=1e-3, weight_decay=1e-3)`` и ``MSELoss``. Задача
    может быть любой: регрессия, классификация (``loss_fn=nn.CrossEntropyLoss()``,
    ``metrics={'accuracy': accuracy}``) — ``fit`` не знает, что именно предсказывает модель.

    Args:
        metrics: метрики для теста (см. :func:`evaluate`); история хранит их по эпохам.
        scheduler: планировщик с шагом после каждого батча или ``'onecycle'`` — OneCycleLR
            с max_lr, равным lr оптимизатора.
        device: куда перенести модель перед обучением (например, переменная урока ``device``);
            None — оставить модель там, где она есть. Сам ``fit`` устройство не выбирает.
        channels_last: перевести модель и батчи в формат channels_last (быстрее на CPU).
        live_plot: рисовать кривую потерь в ноутбуке после каждой эпохи.
        checkpoint: путь — после каждой эпохи сохранять контрольную точку.

    Returns:
        :class:`History`.

    Raises:
        TrainingDiverged: потеря стала NaN/±inf, веса не конечны или средняя потеря эпохи больше
            первой в 10³ раз.
        ValueError: ответ и вещественные цели разной формы; слишком мало шагов для OneCycle.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель torch.nn.Module, получено {type(model).__name__}")
    epochs = check_int(epochs, "epochs", minimum=1)
    metrics = _check_metrics(metrics)
    if device is not None:
        model.to(get_device(device))
    if channels_last:
        model.to(memory_format=torch.channels_last)
    loss_fn = loss_fn if loss_fn is not None else nn.MSELoss()
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-3)
    if scheduler == "onecycle":
        if not hasattr(train_loader, "__len__"):
            raise TypeError(
                f"scheduler='onecycle': OneCycle нужно знать число шагов, а у train_loader "
                f"({type(train_loader).__name__}) нет длины. Дайте DataLoader или список батчей либо scheduler=None."
            )
        steps = len(cast(Sized, train_loader))  # длина есть: проверено выше
        if steps == 0:
            raise ValueError("train_loader: загрузчик пуст — OneCycleLR нечего планировать")
        if steps * epochs < _MIN_ONECYCLE_STEPS:
            raise ValueError(
                f"scheduler='onecycle': всего {steps * epochs} шагов ({epochs} эп. × {steps} батчей) — мало для "
                f"OneCycle (нужно хотя бы {_MIN_ONECYCLE_STEPS}: разгон и спад). Увеличьте epochs, уменьшите "
                "batch_size или возьмите scheduler=None."
            )
        max_lr = [g["lr"] for g in optimizer.param_groups]
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps, pct_start=0.25
        )
    elif isinstance(scheduler, str):
        raise ValueError(f"scheduler: ожидались 'onecycle', None или объект планировщика torch, получено {scheduler!r}")
    elif scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"scheduler: у объекта {type(scheduler).__name__} нет метода step()")
    history, handle = History(), None
    for e in range(1, epochs + 1):
        stats = train_one_epoch(
            model,
            train_loader,
            loss_fn,
            optimizer,
            scheduler=scheduler,
            epoch=e,
            epochs=epochs,
            channels_last=channels_last,
            progress=progress,
        )
        first = history.train_loss[0] if history.train_loss else stats["loss"]
        if first > 0 and stats["loss"] > _DIVERGED_RATIO * first:
            raise TrainingDiverged(
                f"Эпоха {e}: средняя потеря {_loss_text(stats['loss'])} — больше первой эпохи "
                f"({_loss_text(first)}) в {fmt(stats['loss'] / first, 0)} раз (предел — 10³ = 1000). "
                "Уменьшите скорость обучения (lr) или нормируйте цели и входы."
            )
        history.train_loss.append(stats["loss"])
        history.seconds.append(stats["seconds"])
        history.img_per_s.append(stats["img_per_s"])
        if test_loader is not None:
            ev = evaluate(model, test_loader, loss_fn, metrics=metrics, channels_last=channels_last)
            history.test_loss.append(ev["loss"])
            for name in metrics:
                history.test_metrics.setdefault(name, []).append(ev[name])
        if live_plot:
            handle = _live_plot(history, handle)
        if checkpoint is not None:
            save_checkpoint(checkpoint, model, epoch=e, train_loss=stats["loss"])
    return history
