"""Набор данных «найди солнце»: генерация в формате лекции и класс SunDataset.

Безопасность чтения: имена из ``format.json`` — только относительные пути внутри
``<root>/<split>`` (без абсолютных путей, ``..``, NUL и ссылок наружу); открываются только
обычные файлы (канал FIFO или устройство не блокирует чтение, а отклоняется); размер картинки
проверяется по заголовку до декодирования. Запись атомарна: писатель захватывает замок
``.<имя>.lock`` (второй получает отказ), набор создаётся во временной папке рядом с целевой и
подменяет её в самом конце; существующий набор не перезаписывается без ``overwrite=True``, а
папка, не похожая на набор, не заменяется и с ним. Работники пула умирают вместе с главным процессом.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import math
import os
import re
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.utils.data as data
from PIL import Image
from tqdm.auto import tqdm

try:
    import fcntl
except ImportError:  # Windows: замок — исключительное создание файла
    fcntl = None  # type: ignore[assignment]

from .._validate import (
    MAX_IMAGE_SIDE,
    check_bool,
    check_int,
    check_memory,
    check_name_length,
    check_path,
    describe,
    os_error_text,
    pid_alive,
)
from ..images import decode_file, open_regular
from .draw import MIN_IMAGE_SIZE, SunStyle, draw_sun_image

__all__ = ["make_sun_dataset", "SunDataset", "read_labels", "DatasetExistsError", "MAX_DATASET_SIZE"]

_SPLIT_CODES = {"train": 0, "test": 1}
MAX_DATASET_SIZE = 2048  # сторона картинки набора: 10 000 картинок 2048×2048 — уже 120 ГБ при предзагрузке
_MAX_IMAGES = 1_000_000
_MAX_LABELS_BYTES = 64 * 2**20


class DatasetExistsError(FileExistsError, ValueError):
    """Папка набора уже существует и не пуста; перезапись — только с ``overwrite=True``."""


def _worker_init(parent: int) -> None:
    """Процесс-работник: Ctrl-C и SIGTERM обрабатывает главный процесс (и убирает за собой), а со смертью
    главного (SIGKILL, перезапуск ядра Jupyter) работник умирает сам — сиротой он не остаётся."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # главный процесс умер раньше, чем работник успел подписаться
        os._exit(1)
    if not sys.platform.startswith("linux"):

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


def _render_chunk(args: tuple[str, str, int, range, SunStyle]) -> list[tuple[str, list[int]]]:
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


def _looks_like_dataset(folder: Path) -> bool:
    """Папка — набор этого пакета: только train/ и test/, в каждой format.json и картинки .png.

    Только такую папку можно заменить при ``overwrite=True``; скрытые файлы (.git, .env) и любые
    другие имена — уже не набор.
    """
    parts = list(folder.iterdir())
    if not parts or any(p.name not in ("train", "test") or p.is_symlink() or not p.is_dir() for p in parts):
        return False
    return all(
        (p / "format.json").is_file()
        and all(f.name == "format.json" or (f.suffix == ".png" and f.is_file()) for f in p.iterdir())
        for p in parts
    )


_RESERVE = 22  # «.<имя>.<PID до 7 цифр>.<8 знаков>.tmp» длиннее имени на 22 байта


def _claim(root: Path) -> tuple[Path, int]:
    """Захватывает ``.<имя>.lock`` рядом с ``root`` (с PID внутри); второй писатель получает отказ.

    Замок держит ядро ОС (flock): со смертью процесса он освобождается сам. Без fcntl (Windows)
    замок — исключительное создание файла.
    """
    lock = root.parent / f".{root.name}.lock"
    while True:
        owner = "?"
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | (0 if fcntl else os.O_EXCL), 0o644)
        except FileExistsError:
            fd = None
        try:
            if fd is not None and fcntl:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if fd is not None and os.path.exists(lock) and os.path.samestat(os.fstat(fd), os.stat(lock)):
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                return lock, fd
        except OSError:
            assert fd is not None  # OSError бросают только вызовы с открытым fd
            with contextlib.suppress(OSError):
                owner = os.read(fd, 16).decode(errors="replace").strip() or "?"
            os.close(fd)
            fd = None
        if fd is None:
            raise DatasetExistsError(
                f"root: в папку {root} уже пишет другой процесс (PID {owner}) — два набора в одной папке "
                f"затёрли бы друг друга. Дождитесь его конца или укажите другую папку (замок: {lock})."
            )
        os.close(fd)  # замок успели удалить и создать заново — пробуем ещё раз


def _release(lock: Path, fd: int) -> None:
    with contextlib.suppress(OSError):
        lock.unlink()
    os.close(fd)


def _clean_stale(root: Path) -> None:
    """Удаляет временные папки этого набора, чей владелец (PID в имени) уже не работает."""
    pattern = re.compile(rf"\.{re.escape(root.name)}\.(\d+)\.(?:[0-9a-f]{{8}}\.tmp|old-[0-9a-f]{{8}})")
    for entry in root.parent.iterdir():
        found = pattern.fullmatch(entry.name)
        if found and not pid_alive(int(found[1])) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Прерывание: работники убиваются сразу, а не дорисовывают очередь (второй Ctrl-C не зависает)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, AttributeError):
            process.kill()


def _check_target(root: Path, overwrite: bool) -> None:
    """Цель — не файл; непустая — только с overwrite и только если это набор этого пакета."""
    if not os.path.lexists(root):
        return
    if not root.is_dir():
        raise ValueError(f"root: {root} — это файл, а не папка; укажите папку для набора")
    if not any(root.iterdir()):
        return
    if not overwrite:
        raise DatasetExistsError(
            f"root: папка {root} не пуста — набор не перезаписывается молча (прежние метки и картинки "
            "пропали бы). Укажите другую папку или overwrite=True (в командной строке --overwrite)."
        )
    if not _looks_like_dataset(root):
        raise ValueError(
            f"root: папка {root} не похожа на набор с солнцем (ожидались только train/ и test/ с format.json и "
            "картинками .png) — заменять её опасно даже с overwrite=True. Укажите отдельную папку."
        )


def _swap(tmp: Path, root: Path, old: Path, overwrite: bool) -> None:
    """Ставит готовый набор ``tmp`` на место ``root``. Удаляется только прежний набор, который
    просили заменить (и который после переноса в сторону всё ещё выглядит набором)."""
    try:
        os.rename(tmp, root)  # пустая папка заменяется атомарно, непустая — ошибка ENOTEMPTY
        return
    except OSError as err:
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not overwrite:
            if err.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise DatasetExistsError(
                    f"root: пока создавался набор, в папке {root} появились файлы — они не тронуты, а новый "
                    "набор не сохранён. Укажите пустую папку."
                ) from None
            raise
    os.rename(root, old)
    if not _looks_like_dataset(old):
        os.rename(old, root)
        raise ValueError(f"root: папка {root} изменилась во время генерации и уже не похожа на набор — она не тронута")
    try:
        os.rename(tmp, root)
    except BaseException:
        os.rename(old, root)
        raise
    shutil.rmtree(old, ignore_errors=True)


_FORK_FROM = 2000  # столько картинок и больше — несколько процессов (урок 5: 1500 картинок — пик 2,6 → 2,1 ГБ)


def make_sun_dataset(
    root: str | Path,
    n_train: int = 10000,
    n_test: int = 1000,
    size: int = 256,
    seed: int = 0,
    progress: bool = True,
    *,
    workers: int | None = None,
    sun_scale: tuple[float, float] = (1.0, 1.0),
    occlusion: float = 0.0,
    overwrite: bool = False,
) -> Path:
    """Генерирует набор картинок с солнцем в формате лекции.

    Раскладка: ``root/train/sun_reg_1.png …`` и ``root/train/format.json`` вида
    ``{"sun_reg_1.png": [x, y], ...}``; то же для ``root/test``. Цель — центр солнца в
    пикселях: x — столбец, y — строка, начало в левом верхнем углу. Одинаковый ``seed`` даёт
    побайтно одинаковые файлы, другой ``seed`` — другой набор (картинка i зависит только от
    ``seed``, части и i, а не от числа процессов).

    Запись атомарна: всё пишется во временную папку рядом с ``root`` и подменяет ``root`` в
    конце. Прерывание (Ctrl-C, ошибка, нехватка места) оставляет либо прежний набор, либо ничего.

    Args:
        root: папка набора (создаётся; пустая существующая папка подходит).
        n_train, n_test: число картинок в частях train и test.
        size: сторона картинки (лекция: 256; от 128 до 2048 — солнце 64×64 должно иметь куда
            сдвигаться: центр лежит в [32, size − 32]).
        seed: зерно генератора.
        progress: показывать полосу tqdm.
        workers: число процессов; None — все ядра, а для наборов меньше 2000 картинок — один
            процесс: копия ядра с большой моделью (fork) стоит сотни МБ, а выигрыш — секунды.
        sun_scale: (min, max) масштаба солнца для усложнённого варианта; по умолчанию (1, 1).
        occlusion: вероятность частичного закрытия солнца облаком; по умолчанию 0.
        overwrite: заменить существующий непустой набор (иначе — ошибка, данные не трогаются).

    Returns:
        Путь ``root`` (``pathlib.Path``).

    Raises:
        TypeError: аргументы не тех типов.
        ValueError: недопустимые значения; ``root`` — файл или папка не с набором.
        DatasetExistsError: (подкласс ValueError и FileExistsError) ``root`` не пуст, а
            ``overwrite=False``, или в ту же папку уже пишет другой процесс.
        PermissionError: в папку нельзя писать (сообщение по-русски).
    """
    root = check_path(root, "root")
    n_train = check_int(n_train, "n_train", minimum=1, maximum=_MAX_IMAGES)
    n_test = check_int(n_test, "n_test", minimum=1, maximum=_MAX_IMAGES)
    seed = check_int(seed, "seed", minimum=0, maximum=2**63 - 1)
    size = check_int(size, "size", minimum=MIN_IMAGE_SIZE, maximum=MAX_DATASET_SIZE)
    progress = check_bool(progress, "progress")
    overwrite = check_bool(overwrite, "overwrite")
    style = SunStyle(size=size, sun_scale=sun_scale, occlusion=occlusion)
    total = n_train + n_test
    if workers is None:
        workers = 1 if total < _FORK_FROM else (os.cpu_count() or 1)
    workers = check_int(workers, "workers", minimum=1, maximum=256)
    root = Path(os.path.abspath(root))
    check_name_length(root, "root", _RESERVE)
    if root.is_symlink():
        raise ValueError(f"root: {root} — символическая ссылка; укажите настоящую папку (запись через ссылку опасна)")
    _check_target(root, overwrite)
    parent = root.parent
    for ancestor in (parent, *parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise ValueError(f"root: {ancestor} — файл, а не папка; набор в {root} создать нельзя")
            break
    tag = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock, lock_fd = _claim(root)
    except DatasetExistsError:
        raise
    except OSError as err:
        raise PermissionError(
            f"root: не удалось создать папку рядом с {root}: {os_error_text(err)}. "
            "Проверьте права на запись или укажите другую папку."
        ) from None
    tmp = parent / f".{root.name}.{tag}.tmp"
    try:
        _clean_stale(root)
        _check_target(root, overwrite)  # пока ждали замок, папка могла измениться
        os.mkdir(tmp)  # права — по umask (набор учителя читают и другие), а не 0700 как у mkdtemp
        jobs = []
        for split, n in (("train", n_train), ("test", n_test)):
            folder = tmp / split
            folder.mkdir()
            step = 50
            for start in range(1, n + 1, step):
                jobs.append((str(folder), split, seed, range(start, min(start + step, n + 1)), style))
        labels: dict[str, dict[str, list[int]]] = {"train": {}, "test": {}}
        pool = None
        if workers > 1:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(os.getpid(),))
        try:
            with tqdm(total=total, desc="Картинки с солнцем", disable=not progress, unit="img") as bar:
                for job, rows in zip(jobs, (pool.map if pool else map)(_render_chunk, jobs)):
                    labels[job[1]].update(rows)
                    bar.update(len(rows))
        except BaseException:
            if pool:
                _kill_pool(pool)
            raise
        finally:
            if pool:
                pool.shutdown(wait=True, cancel_futures=True)
        for split, table in labels.items():
            with open(tmp / split / "format.json", "w", encoding="utf-8") as fp:
                json.dump(table, fp, ensure_ascii=False)
        _swap(tmp, root, parent / f".{root.name}.{tag[:-8]}old-{tag[-8:]}", overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _release(lock, lock_fd)
    return root


def _check_key(name: object, where: str) -> str:
    """Имя файла из format.json: относительный путь внутри папки части, без '..' и NUL."""
    if not isinstance(name, str):
        raise ValueError(f"{where}: имя файла должно быть строкой, получено {describe(name)}")
    bad = (
        not name
        or "\x00" in name
        or "\\" in name
        or os.path.isabs(name)
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in name.split("/"))
    )
    if bad:
        raise ValueError(
            f"{where}: недопустимое имя файла {describe(name, 60)} — ожидалось имя картинки внутри папки набора, "
            "например \"sun_reg_1.png\" (без абсолютного пути, '..', '\\\\' и нулевого символа)"
        )
    return name


def read_labels(folder: str | Path) -> dict[str, tuple[float, float]]:
    """Читает и проверяет ``folder/format.json``: имя файла → (x, y).

    Имена — относительные пути внутри ``folder``; метки — два конечных числа от 0 до 20 000.

    Raises:
        TypeError: folder не путь.
        FileNotFoundError: нет папки или файла format.json.
        ValueError: файл не JSON, не словарь, недопустимое имя файла или метка — не два числа.
    """
    folder = check_path(folder, "folder")
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Папка набора данных не найдена: {folder}. Ожидалась раскладка лекции: "
            "<папка>/train/format.json и <папка>/test/format.json; создайте набор make_sun_dataset()"
        )
    path = folder / "format.json"
    if not os.path.lexists(path):
        raise FileNotFoundError(f'В папке {folder} нет файла format.json с метками {{"имя.png": [x, y]}}')
    with open_regular(path, "format.json", inside=folder, max_bytes=_MAX_LABELS_BYTES) as fp:
        raw = fp.read()
    try:
        table = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"Файл {path} — некорректный JSON: {err}") from None
    except RecursionError:
        raise ValueError(
            f'Файл {path}: слишком глубокая вложенность JSON — ожидался плоский словарь {{"имя.png": [x, y]}}'
        ) from None
    if not isinstance(table, dict) or not table:
        raise ValueError(f'В {path} ожидался непустой словарь {{"имя.png": [x, y]}}, получено {type(table).__name__}')
    for name, value in table.items():
        _check_key(name, f"{path}: ключ")
        ok = (
            isinstance(value, (list, tuple))
            and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        )
        if not ok:
            raise ValueError(
                f"В {path} метка файла {name!r} должна быть двумя числами [x, y], получено {describe(value, 60)}"
            )
        if not all(0 <= v <= MAX_IMAGE_SIDE for v in value):
            raise ValueError(
                f"В {path} метка файла {name!r} вне картинки: {value!r}; x и y — пиксели от 0 до стороны картинки"
            )
    return table


class SunDataset(data.Dataset):
    """Картинки с солнцем в формате лекции — конструктор и поведение как в лекции.

    ``SunDataset(path, train=True, transform=None)`` читает ``path/train/format.json`` (или
    ``path/test``), ``ds[i]`` возвращает ``(image, torch.tensor([x, y], dtype=float32))``, где
    ``image`` — ``PIL.Image`` RGB, пропущенная через ``transform``; ``len(ds)`` — число картинок.

    Читаются только обычные файлы внутри ``path/train`` (``path/test``): имя из format.json с
    абсолютным путём, ``..`` или ссылкой наружу, а также канал FIFO отклоняются с ValueError.

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

    Raises:
        TypeError: аргументы не тех типов (например, ``train='no'``).
        FileNotFoundError: нет папки, format.json или картинки.
        ValueError: испорченный format.json, недопустимое имя файла, метка вне картинки,
            повреждённая или слишком большая картинка.
    """

    def __init__(
        self,
        path: str | Path,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        *,
        preload: bool = False,
        size: int | None = None,
        progress: bool = False,
        limit: int | None = None,
    ) -> None:
        root = check_path(path, "path")
        train = check_bool(train, "train")
        if transform is not None and not callable(transform):
            raise TypeError(
                f"transform: ожидалась функция (например, tfs.Compose([...])) или None, получено {describe(transform)}"
            )
        preload = check_bool(preload, "preload")
        progress = check_bool(progress, "progress")
        if size is not None:
            size = check_int(size, "size", minimum=8, maximum=4096)
        if size is not None and not preload:
            raise ValueError("size работает только вместе с preload=True")
        self.path = os.path.join(root, "train" if train else "test")
        self.transform = transform
        self.format = read_labels(self.path)
        if limit is not None:
            limit = check_int(limit, "limit", minimum=1)
            self.format = dict(list(self.format.items())[:limit])
        self.length = len(self.format)
        self.files = tuple(self.format.keys())
        self.targets = tuple(self.format.values())
        self.images: torch.Tensor | None = None
        if preload:
            self.images = self._preload(size, progress)

    def _read(self, i: int, size: int | None) -> Image.Image:
        """Картинка i в RGB (уменьшенная до size) с проверкой, что метка лежит внутри неё."""
        name = self.files[i]
        with open_regular(os.path.join(self.path, name), "картинка", inside=self.path) as fp:
            img, (w, h) = decode_file(fp, os.path.join(self.path, name), size)
        x, y = self.targets[i]
        if not (0 <= x <= w and 0 <= y <= h):
            raise ValueError(
                f"Метка картинки {name} = {[x, y]} вне картинки {w}×{h}: x — столбец от 0 до {w}, "
                f"y — строка от 0 до {h}. Исправьте format.json в {self.path}"
            )
        return img

    def _preload(self, size: int | None, progress: bool) -> torch.Tensor:
        """Декодирует все картинки (в несколько потоков) в один uint8-тензор (N, 3, H, W).

        Ctrl-C не «проглатывается»: оставшиеся задания отменяются, исключение идёт дальше.
        """

        def tensor(i: int) -> torch.Tensor:
            arr = np.array(self._read(i, size))  # (H, W, 3)
            return torch.from_numpy(arr).permute(2, 0, 1)  # (3, H, W)

        first = tensor(0)
        h, w = first.shape[1:]
        check_memory(
            self.length * 3 * h * w,
            f"preload: {self.length} картинок {h}×{w}",
            "Возьмите меньше картинок (limit=…), уменьшите их (size=64) или читайте без preload=True.",
        )
        out = torch.empty((self.length, 3, h, w), dtype=torch.uint8)
        out[0] = first

        def fill(i: int) -> None:
            img = tensor(i)
            if img.shape[1:] != (h, w):
                raise ValueError(
                    f"Картинка {self.files[i]}: размер {tuple(img.shape[1:])}, а у первой {(h, w)}; "
                    "для предзагрузки все картинки должны быть одного размера (или задайте size)"
                )
            out[i] = img

        pool = ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1))
        try:
            for _ in tqdm(
                pool.map(fill, range(1, self.length)),
                total=self.length,
                initial=1,
                desc="Декодирование",
                disable=not progress,
                unit="img",
            ):
                pass
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return out

    def targets_tensor(self) -> torch.Tensor:
        """Все метки одним тензором float32 формы (N, 2): столбцы x, y в пикселях."""
        return torch.tensor(self.targets, dtype=torch.float32).reshape(-1, 2)

    def __getitem__(self, item: int) -> tuple[Any, torch.Tensor]:
        img: torch.Tensor | Image.Image
        if self.images is not None:
            img = self.images[item]
        else:
            if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
                raise TypeError(f"индекс: ожидалось целое число, получено {describe(item)}")
            item = int(item)
            if not -self.length <= item < self.length:
                raise IndexError(f"индекс {item} вне набора из {self.length} картинок")
            img = self._read(item % self.length, None)
        if self.transform:
            img = self.transform(img)
        return img, torch.tensor(self.targets[item], dtype=torch.float32)

    def __len__(self) -> int:
        return self.length
