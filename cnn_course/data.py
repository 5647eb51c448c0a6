"""Набор данных «найди солнце»: генерация в формате лекции и класс SunDataset."""

from __future__ import annotations

import contextlib
import json
import math
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.utils.data as data
from PIL import Image, UnidentifiedImageError
from tqdm.auto import tqdm

from ._validate import check_int
from .sungen import SunStyle, draw_sun_image

__all__ = ["make_sun_dataset", "SunDataset", "read_labels", "open_rgb", "load_image_tensor"]

_SPLIT_CODES = {"train": 0, "test": 1}


def _render_chunk(args) -> list[tuple[str, list[int]]]:
    """Рисует и сохраняет картинки с номерами из ``indices`` (выполняется в процессе-работнике)."""
    folder, split, seed, indices, style = args
    rows = []
    for i in indices:
        rng = np.random.default_rng([seed, _SPLIT_CODES[split], i])
        img, (x, y) = draw_sun_image(rng, style)
        name = f"sun_reg_{i}.png"
        img.save(os.path.join(folder, name), format="PNG", compress_level=3)
        rows.append((name, [x, y]))
    return rows


def _write_json_atomic(path: Path, payload) -> None:
    """Записывает JSON во временный файл и переименовывает: оборванная запись не портит файл."""
    tmp = path.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as fp:
        json.dump(payload, fp, ensure_ascii=False)
    os.replace(tmp, path)


def make_sun_dataset(
    root,
    n_train: int = 10000,
    n_test: int = 1000,
    size: int = 256,
    seed: int = 0,
    progress: bool = True,
    *,
    workers: int | None = None,
    sun_scale: tuple[float, float] = (1.0, 1.0),
    occlusion: float = 0.0,
) -> Path:
    """Генерирует набор картинок с солнцем в формате лекции.

    Раскладка: ``root/train/sun_reg_1.png …`` и ``root/train/format.json`` вида
    ``{"sun_reg_1.png": [x, y], ...}``; то же для ``root/test``. Цель — центр солнца в
    пикселях: x — столбец, y — строка, начало в левом верхнем углу. Одинаковый ``seed`` даёт
    побайтно одинаковые файлы, другой ``seed`` — другой набор (картинка i зависит только от
    ``seed``, части и i, а не от числа процессов).

    Args:
        root: папка набора (создаётся).
        n_train, n_test: число картинок в частях train и test.
        size: сторона картинки (лекция: 256; не меньше 64).
        seed: зерно генератора.
        progress: показывать полосу tqdm.
        workers: число процессов; None — все ядра (для маленьких наборов — один процесс).
        sun_scale: (min, max) масштаба солнца для усложнённого варианта; по умолчанию (1, 1).
        occlusion: вероятность частичного закрытия солнца облаком; по умолчанию 0.

    Returns:
        Путь ``root`` (``pathlib.Path``).
    """
    n_train = check_int(n_train, "n_train", minimum=1)
    n_test = check_int(n_test, "n_test", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    style = SunStyle(size=check_int(size, "size", minimum=64), sun_scale=tuple(sun_scale), occlusion=occlusion)
    total = n_train + n_test
    if workers is None:
        workers = 1 if total < 400 else (os.cpu_count() or 1)
    workers = check_int(workers, "workers", minimum=1)
    root = Path(root)
    jobs = []
    for split, n in (("train", n_train), ("test", n_test)):
        folder = root / split
        folder.mkdir(parents=True, exist_ok=True)
        step = 100
        for start in range(1, n + 1, step):
            jobs.append((str(folder), split, seed, range(start, min(start + step, n + 1)), style))
    labels = {"train": {}, "test": {}}
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else contextlib.nullcontext()
    with pool, tqdm(total=total, desc="Картинки с солнцем", disable=not progress, unit="img") as bar:
        mapper = pool.map if workers > 1 else map
        for job, rows in zip(jobs, mapper(_render_chunk, jobs)):
            labels[job[1]].update(rows)
            bar.update(len(rows))
    for split, table in labels.items():
        _write_json_atomic(root / split / "format.json", table)
    return root


def read_labels(folder) -> dict[str, tuple[float, float]]:
    """Читает и проверяет ``folder/format.json``: имя файла → (x, y).

    Raises:
        FileNotFoundError: нет папки или файла format.json.
        ValueError: файл не JSON, не словарь, или метка — не два числа.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Папка набора данных не найдена: {folder}. Ожидалась раскладка лекции: "
            "<папка>/train/format.json и <папка>/test/format.json; создайте набор make_sun_dataset()"
        )
    path = folder / "format.json"
    if not path.is_file():
        raise FileNotFoundError(f"В папке {folder} нет файла format.json с метками {{\"имя.png\": [x, y]}}")
    try:
        with open(path, encoding="utf-8") as fp:
            table = json.load(fp)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"Файл {path} — некорректный JSON: {err}") from None
    if not isinstance(table, dict) or not table:
        raise ValueError(f"В {path} ожидался непустой словарь {{\"имя.png\": [x, y]}}, получено {type(table).__name__}")
    for name, value in table.items():
        ok = (
            isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        )
        if not ok:
            raise ValueError(f"В {path} метка файла {name!r} должна быть двумя числами [x, y], получено {value!r}")
    return table


def open_rgb(path, size: int | None = None) -> Image.Image:
    """Открывает картинку в RGB; ``size`` — уменьшить до size×size усреднением (``Image.BOX``).

    Raises:
        FileNotFoundError: файла нет.
        ValueError: файл повреждён или не картинка.
    """
    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            if size is not None and img.size != (size, size):
                img = img.resize((size, size), Image.BOX)
            return img
    except FileNotFoundError:
        raise FileNotFoundError(f"Картинка не найдена: {path} (она указана в format.json)") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ValueError(f"Картинка {path} повреждена или это не картинка: {err}") from None


def load_image_tensor(path, size: int | None = None) -> torch.Tensor:
    """Читает картинку (см. :func:`open_rgb`) в uint8-тензор формы (3, H, W)."""
    arr = np.array(open_rgb(path, size))  # (H, W, 3), копия — тензор можно менять
    return torch.from_numpy(arr).permute(2, 0, 1).contiguous()  # (3, H, W)


class SunDataset(data.Dataset):
    """Картинки с солнцем в формате лекции — конструктор и поведение как в лекции.

    ``SunDataset(path, train=True, transform=None)`` читает ``path/train/format.json`` (или
    ``path/test``), ``ds[i]`` возвращает ``(image, torch.tensor([x, y], dtype=float32))``, где
    ``image`` — ``PIL.Image`` RGB, пропущенная через ``transform``; ``len(ds)`` — число картинок.

    Дополнительно (только по имени):
        preload: декодировать все картинки один раз в общий uint8-тензор ``self.images`` формы
            (N, 3, H, W). Памяти нужно N·3·H·W байт: 10 000 картинок 256×256 — 1,97 ГБ,
            а с ``size=64`` — 123 МБ. Тогда ``ds[i]`` отдаёт uint8-тензор (3, H, W) через
            ``transform``.
        size: при ``preload`` уменьшить картинки до size×size (метки остаются в пикселях
            исходных картинок).
        progress: полоса tqdm при предзагрузке.
        limit: взять только первые ``limit`` картинок набора (для коротких прогонов и экономии
            памяти: 1000 картинок 256×256 — 197 МБ).
    """

    def __init__(self, path, train=True, transform=None, *, preload: bool = False, size: int | None = None,
                 progress: bool = False, limit: int | None = None):
        self.path = os.path.join(path, "train" if train else "test")
        self.transform = transform
        self.format = read_labels(self.path)
        if limit is not None:
            limit = check_int(limit, "limit", minimum=1)
            self.format = dict(list(self.format.items())[:limit])
        self.length = len(self.format)
        self.files = tuple(self.format.keys())
        self.targets = tuple(self.format.values())
        self.images: torch.Tensor | None = None
        if size is not None and not preload:
            raise ValueError("size работает только вместе с preload=True")
        if preload:
            self.images = self._preload(size, progress)

    def _preload(self, size: int | None, progress: bool) -> torch.Tensor:
        """Декодирует все картинки (в несколько потоков) в один uint8-тензор (N, 3, H, W)."""
        if size is not None:
            size = check_int(size, "size", minimum=8)
        first = load_image_tensor(os.path.join(self.path, self.files[0]), size)
        h, w = first.shape[1:]
        out = torch.empty((self.length, 3, h, w), dtype=torch.uint8)
        out[0] = first

        def fill(i: int) -> None:
            img = load_image_tensor(os.path.join(self.path, self.files[i]), size)
            if img.shape[1:] != (h, w):
                raise ValueError(
                    f"Картинка {self.files[i]}: размер {tuple(img.shape[1:])}, а у первой {(h, w)}; "
                    "для предзагрузки все картинки должны быть одного размера (или задайте size)"
                )
            out[i] = img

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for _ in tqdm(pool.map(fill, range(1, self.length)), total=self.length, initial=1,
                          desc="Декодирование", disable=not progress, unit="img"):
                pass
        return out

    def targets_tensor(self) -> torch.Tensor:
        """Все метки одним тензором float32 формы (N, 2): столбцы x, y в пикселях."""
        return torch.tensor(self.targets, dtype=torch.float32).reshape(-1, 2)

    def __getitem__(self, item):
        if self.images is not None:
            img = self.images[item]
        else:
            img = open_rgb(os.path.join(self.path, self.files[item]))
        if self.transform:
            img = self.transform(img)
        return img, torch.tensor(self.targets[item], dtype=torch.float32)

    def __len__(self):
        return self.length
