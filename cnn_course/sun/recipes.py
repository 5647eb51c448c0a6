"""Рецепты обучения регрессора солнца: «лекция» и «быстрый» — одной функцией train_sun."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from .._validate import check_choice, check_int
from ..checkpoint import check_checkpoint_path, save_checkpoint
from ..images import downscale_tensor, image_size
from ..models import reorder_relu_pool, sun_heatmap_net, sun_regressor
from ..settings import get_device
from ..train import History, TensorLoader, fit, predict
from .dataset import SunDataset, read_labels

__all__ = ["RECIPES", "SunRecipe", "SunResult", "sun_metrics", "sun_loaders", "train_sun", "recipe_model"]


@dataclass(frozen=True)
class SunRecipe:
    """Настройки рецепта обучения.

    Attributes:
        input_size: сторона картинки на входе сети (None — как в файлах).
        normalize_targets: цели (x, y) переводятся в [-1, 1].
        epochs, batch_size, lr, weight_decay: как обычно; optimizer — 'adam' или 'adamw'.
        onecycle: планировщик OneCycleLR.
        width: ширина быстрой сети (для 'fast').
    """

    name: str
    input_size: int | None
    normalize_targets: bool
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    optimizer: str
    onecycle: bool
    width: int = 8


RECIPES = {
    "lecture": SunRecipe(
        "lecture",
        input_size=None,
        normalize_targets=False,
        epochs=5,
        batch_size=32,
        lr=1e-3,
        weight_decay=1e-3,
        optimizer="adam",
        onecycle=False,
    ),
    "fast": SunRecipe(
        "fast",
        input_size=64,
        normalize_targets=True,
        epochs=3,
        batch_size=64,
        lr=1e-2,
        weight_decay=1e-4,
        optimizer="adamw",
        onecycle=True,
        width=8,
    ),
}


def sun_metrics(scale: float = 1.0) -> dict[str, Callable[[torch.Tensor, torch.Tensor], float]]:
    """Метрики регрессора солнца в пикселях для :func:`~cnn_course.train.evaluate` и ``fit``.

    ``mse_px`` — средний квадрат ошибки одной координаты в пикселях², ``rmse_px`` — корень из него
    (среднеквадратичная ошибка одной координаты, пикс.). Если цели нормированы как
    (p − c) / scale, передайте тот же ``scale``: ошибка умножается на него.

    Args:
        scale: множитель перевода ответа сети в пиксели (для целей в [-1, 1] на картинке 256×256 — 128).

    Returns:
        ``{'mse_px': функция, 'rmse_px': функция}``; каждая принимает predict и target формы (N, 2).
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale: ожидалось положительное конечное число, получено {scale!r}")

    def mse_px(predict: torch.Tensor, target: torch.Tensor) -> float:
        return ((predict.double() - target.double()) ** 2).mean().item() * scale**2

    def rmse_px(predict: torch.Tensor, target: torch.Tensor) -> float:
        return math.sqrt(mse_px(predict, target))

    return {"mse_px": mse_px, "rmse_px": rmse_px}


def recipe_model(recipe: SunRecipe, image_size: int = 256, seed: int | None = 0) -> nn.Module:
    """Модель рецепта: сеть лекции (с ReLU после пулинга) или быстрая сеть с тепловой картой."""
    if recipe.name == "lecture":
        return reorder_relu_pool(sun_regressor(seed=seed))
    return sun_heatmap_net(width=recipe.width, image_size=image_size, seed=seed)


@dataclass
class SunResult:
    """Итог :func:`train_sun`: модель, история, метрики на тесте и время."""

    recipe: SunRecipe
    model: nn.Module
    history: History
    test: dict[str, float]
    preload_seconds: float
    image_size: int
    device: str

    @property
    def train_seconds(self) -> float:
        """Время обучения (сумма эпох, без предзагрузки и оценки), секунды."""
        return self.history.train_seconds

    @property
    def center(self) -> float:
        return self.image_size / 2 if self.recipe.normalize_targets else 0.0

    @property
    def scale(self) -> float:
        """Множитель перевода ответа сети в пиксели (для нормированных целей — половина стороны)."""
        return self.image_size / 2 if self.recipe.normalize_targets else 1.0

    def save(self, path: str | Path) -> Path:
        """Сохраняет веса с описанием рецепта (:func:`~cnn_course.checkpoint.save_checkpoint`)."""
        rec = self.recipe
        return save_checkpoint(
            path,
            self.model,
            recipe=rec.name,
            epochs=self.history.epochs,
            image_size=self.image_size,
            width=rec.width,
            test_mse_px=self.test["mse_px"],
        )

    @torch.no_grad()
    def predict_px(self, images: torch.Tensor) -> torch.Tensor:
        """Предсказывает центр солнца.

        Args:
            images: uint8 (N, 3, H, W) — картинки исходного размера.

        Returns:
            float32 (N, 2): (x, y) в пикселях исходной картинки.
        """
        if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.ndim != 4:
            raise TypeError(
                "images: ожидался uint8-тензор (N, 3, H, W) — например, SunDataset(..., preload=True).images"
            )
        size, shift = self.recipe.input_size, 0.5 if self.recipe.normalize_targets else 0.0

        def prepare(batch: torch.Tensor) -> torch.Tensor:  # по батчу: весь тест во float не нужен
            if size is not None and batch.shape[-1] != size:
                batch = downscale_tensor(batch, size)  # тот же Image.BOX, что при предзагрузке для обучения
            return batch.float() / 255.0 - shift

        out = predict(self.model, images, batch_size=256, channels_last=True, prepare=prepare)
        return out * self.scale + self.center


def _image_side(folder: Path) -> int:
    """Сторона первой картинки набора по заголовку файла (проверяет, что картинки квадратные)."""
    name = next(iter(read_labels(folder)))
    w, h = image_size(folder / name, inside=folder)
    if w != h:
        raise ValueError(f"Ожидались квадратные картинки, {folder / name} имеет размер {w}×{h}")
    return w


def sun_loaders(
    data_dir: str | Path,
    size: int | None = None,
    *,
    batch_size: int = 32,
    normalize_targets: bool = True,
    center_inputs: bool = True,
    seed: int = 0,
    progress: bool = False,
    limit: int | None = None,
) -> tuple[TensorLoader, TensorLoader, int]:
    """Предзагруженные загрузчики train и test набора в формате лекции.

    Картинки декодируются один раз (и при ``size`` уменьшаются до size×size), цели при
    ``normalize_targets`` переводятся в [-1, 1]: (p − c) / c, c — половина стороны исходной
    картинки; при ``center_inputs`` из входов вычитается 0.5. ``limit`` — взять только первые
    ``limit`` картинок обучающей части (тест берётся целиком).

    Returns:
        ``(train_loader, test_loader, side)``: два :class:`~cnn_course.train.TensorLoader`
        (батчи x — float32 (B, 3, s, s), y — float32 (B, 2)) и сторона исходной картинки.
    """
    data_dir = Path(data_dir)
    side = _image_side(data_dir / "train")
    c = side / 2 if normalize_targets else 0.0
    norm: dict[str, Any] = dict(target_center=c, target_scale=c or 1.0, shift=0.5 if center_inputs else 0.0)
    train = SunDataset(data_dir, train=True, preload=True, size=size, progress=progress, limit=limit)
    test = SunDataset(data_dir, train=False, preload=True, size=size, progress=progress)
    assert train.images is not None and test.images is not None  # preload=True — картинки в памяти
    return (
        TensorLoader(train.images, train.targets_tensor(), batch_size, shuffle=True, seed=seed, **norm),
        TensorLoader(test.images, test.targets_tensor(), 250, **norm),
        side,
    )


def train_sun(
    data_dir: str | Path,
    recipe: str = "fast",
    *,
    epochs: int | None = None,
    device: str | torch.device = "auto",
    seed: int = 0,
    progress: bool = True,
    out: str | Path | None = None,
    live_plot: bool = False,
) -> SunResult:
    """Обучает регрессор солнца на наборе в формате лекции и оценивает его на тесте.

    Args:
        data_dir: папка с ``train/format.json`` и ``test/format.json``.
        recipe: ``'lecture'`` или ``'fast'`` (см. ``RECIPES``).
        epochs: число эпох (None — из рецепта).
        device: 'auto' (CUDA → MPS → CPU), 'cpu', 'cuda', 'mps'.
        seed: зерно инициализации и перемешивания.
        out: путь для сохранения весов (:func:`~cnn_course.checkpoint.save_checkpoint`).

    Returns:
        :class:`SunResult` (``test['mse_px']``, ``test['rmse_px']`` — ошибка в пикселях).
    """
    check_choice(recipe, "recipe", list(RECIPES))
    rec = RECIPES[recipe]
    epochs = rec.epochs if epochs is None else check_int(epochs, "epochs", minimum=1)
    dev = get_device(device)
    if out is not None:
        out = check_checkpoint_path(out, "out")  # до обучения: не терять обученную модель из-за пути
    side, test_side = (_image_side(Path(data_dir) / split) for split in ("train", "test"))
    if side != test_side:
        raise ValueError(
            f"data_dir: картинки train — {side}×{side}, а test — {test_side}×{test_side}; сеть, обученная на одном "
            "размере, на другом ошибается в разы. Создайте обе части одним вызовом make_sun_dataset."
        )
    if side < 16:
        raise ValueError(
            f"data_dir: картинки {side}×{side} слишком малы для обучения (нужно хотя бы 16×16; набор лекции — 256×256)"
        )
    if rec.input_size is None and side != 256:
        raise ValueError(
            f"recipe='lecture': модель лекции ждёт картинки 256×256 (Linear(4096, 128) после трёх "
            f"пулингов), а в наборе {side}×{side}. Возьмите recipe='fast' или набор 256×256."
        )
    start = time.perf_counter()
    train_loader, test_loader, side = sun_loaders(
        data_dir,
        rec.input_size,
        batch_size=rec.batch_size,
        normalize_targets=rec.normalize_targets,
        center_inputs=rec.normalize_targets,
        seed=seed,
        progress=progress,
    )
    preload_seconds = time.perf_counter() - start
    scale = side / 2 if rec.normalize_targets else 1.0
    model = recipe_model(rec, image_size=side, seed=seed)
    opt_cls = torch.optim.AdamW if rec.optimizer == "adamw" else torch.optim.Adam
    optimizer = opt_cls(model.parameters(), lr=rec.lr, weight_decay=rec.weight_decay)
    history = fit(
        model,
        train_loader,
        test_loader,
        epochs=epochs,
        optimizer=optimizer,
        scheduler="onecycle" if rec.onecycle else None,
        device=dev,
        metrics=sun_metrics(scale),
        channels_last=True,
        progress=progress,
        live_plot=live_plot,
    )
    final = {
        "loss": history.test_loss[-1],
        "mse_px": history["mse_px"][-1],  # оценка после последней эпохи
        "rmse_px": history["rmse_px"][-1],
        "images": len(test_loader.images),
    }
    result = SunResult(rec, model, history, final, preload_seconds, side, str(dev))
    if out is not None:
        result.save(out)
    return result
