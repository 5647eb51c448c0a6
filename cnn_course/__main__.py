"""Командная строка курса: python -m cnn_course sun-dataset | train-sun.

Тонкий слой над библиотекой: аргументы проверяют те же функции, что и в уроках, до начала
работы; сообщения — по-русски, в том числе сообщения самого argparse. Коды выхода — в
``EXIT_CODES``. Трассировка стека при ошибке пользователя не печатается.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from .sun.recipes import SunResult

__all__ = ["main", "EXIT_CODES"]

EXIT_CODES = {
    0: "успех",
    1: "обучение разошлось (NaN или взрыв потерь)",
    2: "ошибка во входных данных (аргументы, папки, файлы набора)",
    3: "другой сбой (нет места на диске, памяти, ошибка ввода-вывода)",
    130: "прервано (Ctrl-C или SIGTERM)",
}
_EPILOG = "коды выхода:\n" + "\n".join(f"  {code} — {text}" for code, text in EXIT_CODES.items())


class _Terminated(KeyboardInterrupt):
    """SIGTERM: обрабатывается как Ctrl-C — незаконченное убирается, код выхода 130."""


def _on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Terminated


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


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Справка со словом «использование:» вместо «usage:»."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        return super().add_usage(usage, actions, groups, "использование: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser, который сообщает об ошибке по-русски и подсказывает --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._optionals.title = "параметры"
        self._positionals.title = "позиционные аргументы"
        self.add_argument("-h", "--help", action="help", help="показать эту справку и выйти")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"Ошибка в аргументах: {_translate(message)}\nСправка: {self.prog} --help\n")


def _int_type(minimum: int, maximum: int | None = None, what: str = "число") -> Callable[[str], int]:
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

    parser = _Parser(prog="python -m cnn_course", description="Инструменты курса по свёрточным сетям.", epilog=_EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=_Parser, title="команды")
    ds = sub.add_parser(
        "sun-dataset",
        help="сгенерировать картинки с солнцем в формате лекции",
        description="Создаёт DIR/train и DIR/test с картинками и format.json.",
        epilog=_EPILOG,
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
        epilog=_EPILOG,
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


class _LostModel(OSError):
    """Обученную модель не удалось сохранить ни в --out, ни во временную папку (код выхода 3)."""


def _check_weights_out(out: str, overwrite: bool) -> Path:
    """--out для train-sun: проверяется ДО обучения — путь, имя, прежний файл, право на запись."""
    from ._validate import check_name_length, os_error_text
    from .checkpoint import check_checkpoint_path

    path = check_checkpoint_path(os.path.abspath(out), "--out")
    check_name_length(path, "--out")
    if os.path.lexists(path) and not overwrite:
        raise _UsageError(
            f"--out: файл {path} уже есть — он не перезаписывается молча. Укажите другое имя или добавьте --overwrite."
        )
    if os.path.lexists(path) and not path.is_file():
        raise _UsageError(f"--out: {path} — не обычный файл")
    folder = next(p for p in path.parents if p.exists())
    try:  # пробный файл надёжнее os.access (root, диск только для чтения)
        fd, name = tempfile.mkstemp(prefix=".cnn-course-probe-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as err:
        raise _UsageError(
            f"--out: в папку {folder} нельзя писать ({os_error_text(err)}). Укажите другую папку."
        ) from None
    return path


def _save_or_rescue(result: SunResult, out: Path) -> None:
    """Сохраняет обученную модель; не вышло — сохраняет во временную папку системы и говорит куда.

    Raises:
        _LostModel: не удалось ни то, ни другое (модель потеряна — с причинами).
    """
    from ._validate import os_error_text

    try:
        result.save(out)
        print(f"Веса сохранены: {out}")
        return
    except OSError as err:
        first = os_error_text(err)
    rescue = Path(tempfile.gettempdir()) / f"cnn-course-{os.getpid()}-{out.stem[:40]}.pt"
    try:
        result.save(rescue)
    except OSError as err:
        raise _LostModel(
            f"обученную модель сохранить не удалось — она потеряна. В {out}: {first}; во временную папку "
            f"{rescue.parent}: {os_error_text(err)}. Освободите место и запустите обучение снова."
        ) from None
    print(
        f"Ошибка: веса не записаны в {out} ({first}). Обученная модель сохранена во временную папку: {rescue} — "
        "перенесите её, пока система её не удалила.",
        file=sys.stderr,
    )
    raise _LostModel("") from None


def _check_device(device: str) -> None:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise _UsageError("--device cuda: CUDA недоступна на этой машине; возьмите --device cpu или auto")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise _UsageError("--device mps: MPS (Apple) недоступен на этой машине; возьмите --device cpu или auto")


def _run(args: argparse.Namespace) -> int:
    if args.command == "sun-dataset":
        from .formatting import count_words
        from .sun.dataset import make_sun_dataset

        root = make_sun_dataset(
            args.out, args.n_train, args.n_test, size=args.size, seed=args.seed, overwrite=args.overwrite
        )
        pictures = count_words(args.n_train, "картинка", "картинки", "картинок")
        _say(f"Готово: {root}/train ({pictures}), {root}/test ({args.n_test}), метки в format.json")
        return 0
    from .sun.recipes import train_sun

    _check_device(args.device)
    out = _check_weights_out(args.out, args.overwrite) if args.out is not None else None
    result = train_sun(args.data, args.recipe, epochs=args.epochs, device=args.device, seed=args.seed)
    _say(
        f"Рецепт {args.recipe}: обучение {result.train_seconds:.1f} с "
        f"(+ чтение картинок {result.preload_seconds:.1f} с) на {result.device}"
    )
    _say(f"Тест: MSE = {result.test['mse_px']:.3f} пикс.², RMSE = {result.test['rmse_px']:.3f} пикс.")
    if out is not None:
        _save_or_rescue(result, out)
    return 0


def _say(text: str) -> None:
    """Печать итога; закрытый stdout (``| head``) — не ошибка: работа уже сделана."""
    with contextlib.suppress(BrokenPipeError, ValueError, OSError):
        print(text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Точка входа; возвращает код выхода (см. ``EXIT_CODES``)."""
    parser = _build_parser()
    previous = None
    with contextlib.suppress(ValueError):  # не главная нить — обработчик не ставится
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return _run(args)
    except KeyboardInterrupt as err:
        what = "SIGTERM" if isinstance(err, _Terminated) else "Ctrl-C"
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # второй Ctrl-C не прерывает выход
        print(f"\nПрервано ({what}). Незаконченные файлы удалены.", file=sys.stderr)
        return 130
    except SystemExit:
        raise
    except BaseException as err:
        return _report(err)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _report(err: BaseException) -> int:
    """Ошибка → одна русская строка в stderr и код выхода (см. ``EXIT_CODES``)."""
    from ._validate import os_error_text
    from .train import TrainingDiverged

    if isinstance(err, TrainingDiverged):
        print(f"Обучение разошлось: {err}. Уменьшите скорость обучения или проверьте данные.", file=sys.stderr)
        return 1
    if isinstance(err, _LostModel):
        if str(err):
            print(f"Ошибка: {err}", file=sys.stderr)
        return 3
    if isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError":
        print("Ошибка: не хватает памяти. Уменьшите --size, число картинок или возьмите --device cpu.", file=sys.stderr)
        return 3
    if isinstance(err, (ValueError, TypeError)):
        print(f"Ошибка: {err}", file=sys.stderr)
        return 2
    if isinstance(err, OSError):
        message = str(err) if not err.strerror else os_error_text(err)
        print(f"Ошибка: {message}", file=sys.stderr)
        bad_input = (FileNotFoundError, PermissionError, NotADirectoryError, IsADirectoryError)
        return 2 if isinstance(err, bad_input) else 3
    raise err


if __name__ == "__main__":
    sys.exit(main())
