"""Бенчмарк урока 4: рецепт лекции против быстрого рецепта на одном наборе, в одном запуске.

Что меряется (все числа — из этого запуска, на этой машине, на наборе курса 10 000 + 1000, seed 0):
1. Цикл лекции как есть (SunDataset + transforms.v2 + DataLoader(batch_size=32), модель лекции,
   Adam, MSELoss): скорость img/s на нескольких батчах и оценка времени его 5 эпох.
   С флагом --full-lecture цикл лекции обучается целиком (≈ 35–40 мин на 2 ядрах) и его MSE на
   тесте меряется после каждой эпохи — на том же наборе, что и быстрый рецепт. --lecture-mse X
   подставляет MSE, уже измеренную так раньше. Без них приводится результат лекции на её
   собственном наборе (7.398 пикс²) — с другим набором; отношения тогда не сравнивают одно с одним.
2. Та же архитектура лекции через инструменты курса (предзагрузка, channels_last, ReLU после
   пулинга — результат тот же): img/s и отношение к циклу лекции (цель ≥ 3×).
3. Быстрый рецепт (train_sun(recipe='fast')): время обучения до MSE лекции и до RMSE ≤ 1.5 пикс,
   итоговая ошибка; отношение времени лекции к времени быстрого рецепта (цель ≥ 30×).

Запуск: python benchmarks/sun_training.py [--data DIR] [--batches 30] [--full-lecture | --lecture-mse X]
Результаты с датой, машиной и командой — в benchmarks/results/.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import tempfile
import time

import torch
import torch.nn as nn
import torch.optim as optim
import torch.utils.data as data
import torchvision.transforms.v2 as tfs

from cnn_course.models import reorder_relu_pool, sun_regressor
from cnn_course.sun import SunDataset, make_sun_dataset, sun_metrics, train_sun
from cnn_course.train import TensorLoader, evaluate, train_one_epoch

LECTURE_MSE = 7.398188281059265  # результат лекции на её наборе
LECTURE_EPOCHS = 5


def lecture_loop_speed(root: str, batches: int) -> float:
    """img/s цикла лекции (без изменений) на ``batches`` батчах после двух разогревочных."""
    transforms = tfs.Compose([tfs.ToImage(), tfs.ToDtype(torch.float32, scale=True)])
    d_train = SunDataset(root, transform=transforms)
    train_data = data.DataLoader(d_train, batch_size=32, shuffle=True)
    model = sun_regressor(seed=0)
    optimizer = optim.Adam(params=model.parameters(), lr=0.001, weight_decay=0.001)
    loss_function = nn.MSELoss()
    model.train()
    n, start = 0, None
    for k, (x_train, y_train) in enumerate(train_data):
        if k == 2:
            start, n = time.perf_counter(), 0
        predict = model(x_train)
        loss = loss_function(predict, y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n += len(x_train)
        if k == batches + 1:
            break
    return n / (time.perf_counter() - start)


def lecture_full(root: str) -> tuple[float, float]:
    """Полное обучение циклом лекции: (секунды обучения, MSE на тесте); MSE печатается после каждой эпохи."""
    transforms = tfs.Compose([tfs.ToImage(), tfs.ToDtype(torch.float32, scale=True)])
    train_data = data.DataLoader(SunDataset(root, transform=transforms), batch_size=32, shuffle=True)
    test_data = data.DataLoader(SunDataset(root, train=False, transform=transforms), batch_size=50)
    model = sun_regressor(seed=0)
    optimizer = optim.Adam(params=model.parameters(), lr=0.001, weight_decay=0.001)
    loss_function = nn.MSELoss()
    seconds = 0.0
    for epoch in range(1, LECTURE_EPOCHS + 1):
        start = time.perf_counter()
        model.train()
        for x, y in train_data:
            loss = loss_function(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds += time.perf_counter() - start
        mse = evaluate(model, test_data, metrics=sun_metrics())["mse_px"]
        print(f"   цикл лекции, эпоха {epoch}: {seconds:7.1f} с обучения, MSE на тесте = {mse:.3f} пикс²", flush=True)
    return seconds, mse


def toolkit_speed(root: str, batches: int) -> float:
    """img/s архитектуры лекции через инструменты курса (данные — предзагруженная часть test)."""
    ds = SunDataset(root, train=False, preload=True)
    n = min(len(ds), (batches + 2) * 32)
    loader = TensorLoader(ds.images[:n], ds.targets_tensor()[:n], 32, shuffle=True, channels_last=True)
    model = reorder_relu_pool(sun_regressor(seed=0)).to(memory_format=torch.channels_last)
    optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-3)
    warm = TensorLoader(ds.images[:64], ds.targets_tensor()[:64], 32, channels_last=True)
    train_one_epoch(model, warm, nn.MSELoss(), optimizer, progress=False)
    stats = train_one_epoch(model, loader, nn.MSELoss(), optimizer, progress=False)
    return stats["img_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description="Рецепт лекции против быстрого рецепта (урок 4).")
    parser.add_argument("--data", default=None, help="готовый набор; иначе генерируется 10000/1000 (seed 0)")
    parser.add_argument("--batches", type=int, default=30, help="батчей для замера скорости (30)")
    parser.add_argument("--full-lecture", action="store_true", help="обучить цикл лекции целиком (~40 мин)")
    parser.add_argument(
        "--lecture-mse",
        type=float,
        default=None,
        help="MSE цикла лекции, уже измеренная --full-lecture на этом же наборе (seed 0), — вместо обучения",
    )
    args = parser.parse_args()
    print(
        f"Машина: {platform.processor() or platform.machine()}, ядер: {os.cpu_count()}, "
        f"потоков torch: {torch.get_num_threads()}, torch {torch.__version__}"
    )
    tmp = None
    root = args.data
    if root is None:
        tmp = tempfile.TemporaryDirectory(prefix="sun-bench-")
        root = tmp.name
        start = time.perf_counter()
        make_sun_dataset(root, 10000, 1000, seed=0, progress=False)
        print(f"Генерация набора 10000 + 1000 картинок: {time.perf_counter() - start:.1f} с")
    n_train = len(SunDataset(root))

    lecture_ips = lecture_loop_speed(root, args.batches)
    lecture_seconds = LECTURE_EPOCHS * n_train / lecture_ips
    lecture_mse, lecture_note = LECTURE_MSE, "результат лекции на её наборе"
    if args.lecture_mse is not None:
        lecture_mse, lecture_note = args.lecture_mse, "измерено --full-lecture на этом наборе"
    if args.full_lecture:
        lecture_seconds, lecture_mse = lecture_full(root)
        lecture_note = "измерено здесь"
    print(
        f"\n1) Цикл лекции: {lecture_ips:.1f} img/s → 5 эпох ≈ {lecture_seconds / 60:.1f} мин; "
        f"MSE на тесте {lecture_mse:.3f} пикс² ({lecture_note})"
    )

    tk_ips = toolkit_speed(root, args.batches)
    print(
        f"2) Архитектура лекции через инструменты курса: {tk_ips:.1f} img/s — "
        f"в {tk_ips / lecture_ips:.2f} раза быстрее цикла лекции (цель ≥ 3)"
    )

    result = train_sun(root, "fast", progress=False)
    h = result.history
    elapsed = [sum(h.seconds[: i + 1]) for i in range(len(h.seconds))]

    def first_time(ok) -> float:
        return next((t for t, m in zip(elapsed, h["mse_px"]) if ok(m)), math.inf)

    t_mse = first_time(lambda m: m <= lecture_mse)
    t_rmse = first_time(lambda m: math.sqrt(m) <= 1.5)
    print(
        f"3) Быстрый рецепт: чтение и уменьшение картинок {result.preload_seconds:.1f} с, "
        f"эпохи {', '.join(f'{s:.1f} с' for s in h.seconds)}"
    )
    for e, (t, m) in enumerate(zip(elapsed, h["mse_px"]), 1):
        print(f"   после эпохи {e}: {t:6.1f} с обучения, MSE = {m:.3f} пикс², RMSE = {math.sqrt(m):.3f} пикс")
    print(
        f"   MSE ≤ {lecture_mse:.1f} пикс² ({lecture_note}) за {t_mse:.1f} с обучения; "
        f"RMSE ≤ 1.5 пикс за {t_rmse:.1f} с (цель ≤ 180 с)"
    )
    print("\nИтог (отношения из этого запуска):")
    print(
        f"   время лекции / время быстрого рецепта до MSE ≤ {lecture_mse:.1f}: {lecture_seconds / t_mse:.0f}× "
        f"(цель ≥ 30×; {'MSE лекции — с её набора!' if lecture_mse == LECTURE_MSE else 'один набор'})"
    )
    total = t_mse + result.preload_seconds
    print(f"   то же, считая чтение картинок быстрым рецептом: {lecture_seconds / total:.0f}×")
    print(f"   скорость архитектуры лекции через инструменты / цикл лекции: {tk_ips / lecture_ips:.2f}× (цель ≥ 3×)")
    print(
        f"   итоговая ошибка быстрого рецепта: MSE = {result.test['mse_px']:.3f} пикс² "
        f"(лекция: {lecture_mse:.3f}), RMSE = {result.test['rmse_px']:.3f} пикс"
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
