"""Командная строка курса: python -m cnn_course sun-dataset | train-sun.

Все аргументы проверяются до начала работы; сообщения — по-русски, в том числе сообщения
самого argparse. Коды выхода: 0 — успех, 2 — ошибка в аргументах или данных, 1 — обучение
разошлось, 130 — прервано (Ctrl-C). Трассировка стека при ошибке пользователя не печатается.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

__all__ = ["main"]

# Переводы типичных сообщений argparse (Python 3.9–3.13)
_TRANSLATIONS = (
    (r"the following arguments are required: (.*)", r"не хватает обязательных аргументов: \1"),
    (
        r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)",
        r"аргумент \1: недопустимое значение \2 "
        r"(допустимо: \3)",
    ),
    (r"argument (.*?): invalid int value: (.*)", r"аргумент \1: ожидалось целое число, получено \2"),
    (r"argument (.*?): invalid (.*?) value: (.*)", r"аргумент \1: недопустимое значение \3"),
    (r"argument (.*?): expected one argument", r"аргументу \1 нужно значение"),
    (r"argument (.*?): ignored explicit argument (.*)", r"аргумент \1 не принимает значение \2"),
    (r"unrecognized arguments: (.*)", r"неизвестные аргументы: \1"),
    (r"ambiguous option: (.*?) could match (.*)", r"неоднозначный параметр \1: подходит к \2"),
    (r"argument (.*?): not allowed with argument (.*)", r"аргумент \1 нельзя вместе с \2"),
    (r"argument (.*?): (.*)", r"аргумент \1: \2"),
)


def _translate(message: str) -> str:
    """Английское сообщение argparse → русское (неизвестное оставляется как есть)."""
    for pattern, replacement in _TRANSLATIONS:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, replacement, message, flags=re.S)
    return message


class _Formatter(argparse.HelpFormatter):
    """Справка со словом «использование:» вместо «usage:»."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "использование: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser, который сообщает об ошибке по-русски и подсказывает --help."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._optionals.title = "параметры"
        self._positionals.title = "позиционные аргументы"
        self.add_argument("-h", "--help", action="help", help="показать эту справку и выйти")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"Ошибка в аргументах: {_translate(message)}\nСправка: {self.prog} --help\n")


def _int_type(minimum: int, maximum: int | None = None, what: str = "число"):
    """Тип argparse: целое число в границах, с русским сообщением."""

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"ожидалось целое {what}, получено {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"от {minimum} до {maximum}" if maximum is not None else f"не меньше {minimum}"
            raise argparse.ArgumentTypeError(f"ожидалось целое {what} {bound}, получено {value}")
        return value

    parse.__name__ = "int"
    return parse


def _nonempty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("путь пуст; укажите папку или файл (пустая строка писала бы в текущую папку)")
    if "\x00" in text:
        raise argparse.ArgumentTypeError("в пути нулевой символ")
    return text


def _build_parser() -> argparse.ArgumentParser:
    from .sun.dataset import MAX_DATASET_SIZE
    from .sun.draw import MIN_IMAGE_SIZE

    parser = _Parser(prog="python -m cnn_course", description="Инструменты курса по свёрточным сетям.")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=_Parser, title="команды")
    ds = sub.add_parser(
        "sun-dataset",
        help="сгенерировать картинки с солнцем в формате лекции",
        description="Создаёт DIR/train и DIR/test с картинками и format.json.",
    )
    ds.add_argument("--out", required=True, metavar="DIR", type=_nonempty, help="папка набора")
    ds.add_argument(
        "--n-train", type=_int_type(1, 1_000_000), default=10000, metavar="N", help="картинок в train (10000)"
    )
    ds.add_argument("--n-test", type=_int_type(1, 1_000_000), default=1000, metavar="N", help="картинок в test (1000)")
    ds.add_argument("--seed", type=_int_type(0, 2**63 - 1), default=0, metavar="S", help="зерно (0)")
    ds.add_argument(
        "--size",
        type=_int_type(MIN_IMAGE_SIZE, MAX_DATASET_SIZE, "число пикселей"),
        default=256,
        metavar="PX",
        help=f"сторона картинки ({MIN_IMAGE_SIZE}–{MAX_DATASET_SIZE}, по умолчанию 256)",
    )
    ds.add_argument("--overwrite", action="store_true", help="заменить существующий набор в DIR")
    tr = sub.add_parser(
        "train-sun",
        help="обучить регрессор солнца и вывести ошибку на тесте",
        description="Обучает модель на папке в формате лекции (train/, test/, format.json).",
    )
    tr.add_argument("--data", required=True, metavar="DIR", type=_nonempty, help="папка набора")
    tr.add_argument("--recipe", choices=["lecture", "fast"], default="fast", help="рецепт (fast)")
    tr.add_argument("--epochs", type=_int_type(1, 10_000), default=None, metavar="N", help="число эпох (по рецепту)")
    tr.add_argument("--out", default=None, metavar="FILE", type=_nonempty, help="куда сохранить веса (.pt)")
    tr.add_argument("--overwrite", action="store_true", help="заменить существующий файл весов FILE")
    tr.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto", help="устройство (auto)")
    tr.add_argument("--seed", type=_int_type(0, 2**63 - 1), default=0, metavar="S", help="зерно (0)")
    return parser


class _UsageError(ValueError):
    """Ошибка во входных данных командной строки (код выхода 2)."""


def _probe_writable(folder: Path, what: str) -> None:
    """Пробует создать и удалить временный файл в ``folder`` — надёжнее os.access (root, только чтение)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".cnn-course-probe-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as err:
        raise _UsageError(
            f"{what}: в папку {folder} нельзя писать ({err.strerror or err}). Укажите другую папку."
        ) from None


def _existing_ancestor(path: Path, what: str) -> Path:
    """Ближайшая существующая папка над ``path``; файл на пути — ошибка."""
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise _UsageError(f"{what}: {ancestor} — файл, а не папка; путь {path} невозможен")
            return ancestor
    raise _UsageError(f"{what}: не найдена ни одна папка на пути {path}")


def _check_weights_out(out: str, overwrite: bool) -> Path:
    """--out для train-sun: файл в доступной для записи папке; проверяется ДО обучения."""
    path = Path(os.path.abspath(out))
    if path.is_dir():
        raise _UsageError(f"--out: {path} — папка; укажите файл, например {path / 'sun.pt'}")
    if path.exists() and not overwrite:
        raise _UsageError(
            f"--out: файл {path} уже есть — он не перезаписывается молча. Укажите другое имя или добавьте --overwrite."
        )
    if path.exists() and not path.is_file():
        raise _UsageError(f"--out: {path} — не обычный файл")
    _probe_writable(_existing_ancestor(path, "--out"), "--out")
    return path


def _check_dataset_out(out: str, overwrite: bool) -> Path:
    """--out для sun-dataset: не файл; непустая папка — только с --overwrite; родитель доступен для записи."""
    path = Path(os.path.abspath(out))
    if path.exists() and not path.is_dir():
        raise _UsageError(f"--out: {path} — файл, а не папка")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise _UsageError(
            f"--out: папка {path} не пуста — набор не перезаписывается молча. Укажите другую "
            "папку или добавьте --overwrite."
        )
    _probe_writable(_existing_ancestor(path, "--out"), "--out")
    return path


def _check_training_data(data_dir: str, recipe: str) -> int:
    """Проверяет набор до обучения: обе части, первая картинка, сторона под рецепт. Возвращает сторону."""
    from .images import image_size
    from .sun.dataset import read_labels

    root = Path(data_dir)
    side = None
    for split in ("train", "test"):
        folder = root / split
        labels = read_labels(folder)
        first = next(iter(labels))
        w, h = image_size(folder / first, inside=folder)
        if w != h:
            raise _UsageError(f"--data: ожидались квадратные картинки, {folder / first} имеет размер {w}×{h}")
        if side is None:
            side = w
    if side < 16:
        raise _UsageError(
            f"--data: картинки {side}×{side} слишком малы для обучения (нужно хотя бы 16×16; набор лекции — 256×256)"
        )
    if recipe == "lecture" and side != 256:
        raise _UsageError(
            f"--recipe lecture: сеть лекции рассчитана на картинки 256×256 (Linear(4096, 128) после "
            f"трёх пулингов), а в наборе {side}×{side}. Возьмите --recipe fast или набор 256×256."
        )
    return side


def _check_device(device: str) -> None:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise _UsageError("--device cuda: CUDA недоступна на этой машине; возьмите --device cpu или auto")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise _UsageError("--device mps: MPS (Apple) недоступен на этой машине; возьмите --device cpu или auto")


def _run(args) -> int:
    if args.command == "sun-dataset":
        from .sun.dataset import make_sun_dataset

        _check_dataset_out(args.out, args.overwrite)
        root = make_sun_dataset(
            args.out, args.n_train, args.n_test, size=args.size, seed=args.seed, overwrite=args.overwrite
        )
        print(f"Готово: {root}/train ({args.n_train} картинок), {root}/test ({args.n_test}), метки в format.json")
        return 0
    from .sun.recipes import train_sun

    _check_device(args.device)
    out = _check_weights_out(args.out, args.overwrite) if args.out is not None else None
    _check_training_data(args.data, args.recipe)
    result = train_sun(args.data, args.recipe, epochs=args.epochs, device=args.device, seed=args.seed, out=out)
    print(
        f"Рецепт {args.recipe}: обучение {result.train_seconds:.1f} с "
        f"(+ чтение картинок {result.preload_seconds:.1f} с) на {result.device}"
    )
    print(f"Тест: MSE = {result.test['mse_px']:.3f} пикс², RMSE = {result.test['rmse_px']:.3f} пикс")
    if out is not None:
        print(f"Веса сохранены: {out}")
    return 0


def main(argv=None) -> int:
    """Точка входа; возвращает код выхода (0 — успех, 2 — ошибка в аргументах или данных,
    1 — обучение разошлось, 130 — прервано Ctrl-C)."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return _run(args)
    except KeyboardInterrupt:
        print("\nПрервано (Ctrl-C). Незаконченные файлы удалены.", file=sys.stderr)
        return 130
    except SystemExit:
        raise
    except BaseException as err:
        from .train import TrainingDiverged

        if isinstance(err, TrainingDiverged):
            print(f"Обучение разошлось: {err}. Уменьшите скорость обучения или проверьте данные.", file=sys.stderr)
            return 1
        if isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError":
            print(
                "Ошибка: не хватает памяти. Уменьшите --size, число картинок или возьмите --device cpu.",
                file=sys.stderr,
            )
            return 2
        if isinstance(err, (ValueError, TypeError, OSError)):
            message = (
                str(err)
                if isinstance(err, (ValueError, TypeError)) or not err.strerror
                else (f"{err.strerror}: {err.filename}" if err.filename else err.strerror)
            )
            print(f"Ошибка: {message}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
