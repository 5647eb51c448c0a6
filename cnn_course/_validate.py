"""Общие проверки аргументов: понятные русские ошибки вместо трассировок из глубин torch.

Правило пакета одно и записано здесь: неверный ТИП → ``TypeError``, неверное ЗНАЧЕНИЕ или
ФОРМА → ``ValueError`` (или его подкласс). Сообщение называет параметр, показывает, что
пришло и что ожидалось, и подсказывает, как исправить.
"""

from __future__ import annotations

import errno
import math
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar, cast

import torch

__all__ = [
    "as_tuple",
    "check_tensor",
    "check_choice",
    "check_int",
    "check_real",
    "check_bool",
    "check_path",
    "check_image_size",
    "describe",
    "check_name_length",
    "os_error_text",
    "pid_alive",
    "MAX_IMAGE_SIDE",
    "MAX_IMAGE_PIXELS",
    "MAX_ASPECT",
]

# Пределы для картинок, которые пакет декодирует: проверяются по заголовку файла ДО декодирования.
MAX_IMAGE_SIDE = 20000
MAX_IMAGE_PIXELS = 60_000_000
MAX_ASPECT = 20

_T = TypeVar("_T")


def describe(value: object, limit: int = 80) -> str:
    """Короткое описание значения для сообщения об ошибке (длинный repr обрезается)."""
    if isinstance(value, torch.Tensor):
        return f"тензор формы {tuple(value.shape)} ({value.dtype})"
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{text} (тип {type(value).__name__})"


def check_int(value: object, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Проверяет, что ``value`` — целое число в [``minimum``, ``maximum``], и возвращает его.

    Raises:
        TypeError: если пришло не целое число (bool тоже не принимается).
        ValueError: если число вне допустимых границ.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        hint = ""
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            hint = f" Уберите кавычки: {value.strip()}"
        elif isinstance(value, float) and value.is_integer():
            hint = f" Уберите дробную часть: {int(value)}"
        raise TypeError(f"{name}: ожидалось целое число, получено {describe(value)}.{hint}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: ожидалось целое число ≥ {minimum}, получено {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: ожидалось целое число ≤ {maximum}, получено {describe(value, 40)}")
    return value


def check_real(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Проверяет, что ``value`` — конечное вещественное число в границах, и возвращает float.

    ``strict_minimum=True`` — число должно быть строго больше ``minimum``.

    Raises:
        TypeError: не число (строка, None, bool, тензор не из одного числа).
        ValueError: NaN, бесконечность или число вне границ.
    """
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.dtype == torch.bool:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: ожидалось число, получено {describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: ожидалось конечное число, получено {value}")
    if minimum is not None and (value < minimum or (strict_minimum and value == minimum)):
        sign = ">" if strict_minimum else "≥"
        raise ValueError(f"{name}: ожидалось число {sign} {minimum:g}, получено {value:g}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: ожидалось число ≤ {maximum:g}, получено {value:g}")
    return value


def check_bool(value: object, name: str) -> bool:
    """Проверяет, что ``value`` — True или False (строка 'no' не считается ложью).

    Raises:
        TypeError: не bool.
    """
    if isinstance(value, bool):
        return value
    if type(value).__name__ == "bool_":  # numpy.bool_
        return bool(value)
    raise TypeError(f"{name}: ожидалось True или False, получено {describe(value)}")


def check_path(value: object, name: str) -> Path:
    """Проверяет путь: строка или ``os.PathLike``, не пустой, без нулевого символа.

    Returns:
        ``pathlib.Path``.

    Raises:
        TypeError: не строка и не путь (например, None).
        ValueError: пустая строка или символ NUL.
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name}: ожидался путь (строка или pathlib.Path), получено {describe(value)}")
    text = os.fspath(value)
    if not isinstance(text, str):
        raise TypeError(f"{name}: ожидался путь-строка, получено {describe(text)}")
    if text.strip() == "":
        raise ValueError(f"{name}: путь пуст; укажите папку или файл, например 'data/dataset_reg'")
    if "\x00" in text:
        raise ValueError(f"{name}: в пути есть нулевой символ (\\x00): {text!r}")
    return Path(text)


MAX_NAME_BYTES = 255  # предел длины имени файла (ext4, APFS, NTFS)


def check_name_length(path: str | os.PathLike[str], name: str, reserve: int = 0) -> None:
    """Имя последней части пути с запасом ``reserve`` байт (под временные имена) умещается в 255 байт.

    Raises:
        ValueError: имя слишком длинное — до начала работы, а не посреди неё.
    """
    size = len(os.fsencode(os.path.basename(os.fspath(path))))
    if size + reserve > MAX_NAME_BYTES:
        raise ValueError(
            f"{name}: имя {os.path.basename(os.fspath(path))[:40]!r}… занимает {size} байт, а допустимо не больше "
            f"{MAX_NAME_BYTES - reserve} (предел файловой системы — 255 байт, часть нужна временным именам). "
            "Сократите имя."
        )


_ERRNO_TEXT = {
    errno.ENOSPC: "на диске нет места",
    errno.EDQUOT: "исчерпана дисковая квота",
    errno.ENAMETOOLONG: "слишком длинное имя файла",
    errno.EACCES: "нет прав на запись",
    errno.EPERM: "операция не разрешена",
    errno.EROFS: "файловая система только для чтения",
    errno.EIO: "ошибка ввода-вывода (диск?)",
    errno.ENOENT: "нет такого файла или папки",
    errno.ENOTDIR: "часть пути — не папка",
    errno.EISDIR: "это папка, а не файл",
    errno.ENOTEMPTY: "папка не пуста",
    errno.EEXIST: "файл уже существует",
}


def os_error_text(err: OSError) -> str:
    """Причина ошибки ввода-вывода по-русски (с именем файла, если оно известно)."""
    known = _ERRNO_TEXT.get(err.errno) if err.errno is not None else None
    text = known or err.strerror or str(err)
    return f"{text}: {err.filename}" if err.filename else text


def pid_alive(pid: int) -> bool:
    """Жив ли процесс ``pid`` (на этой машине); свой процесс — жив. В Windows — всегда «да»
    (там ``os.kill`` не проверяет, а завершает процесс), поэтому чужое там не удаляется."""
    if os.name == "nt":
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def available_memory() -> int | None:
    """Сколько байт памяти ещё можно занять (Linux: MemAvailable из /proc/meminfo); None — неизвестно."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(nbytes: int, what: str, fix: str) -> None:
    """Отказ до выделения памяти: ``nbytes`` больше 80 % доступной — MemoryError по-русски.

    Args:
        nbytes: сколько байт займёт то, что собираются выделить.
        what: что именно («предзагрузка 10 000 картинок 256×256»).
        fix: что сделать вместо этого.
    """
    free = available_memory()
    if free is not None and nbytes > 0.8 * free:
        raise MemoryError(f"{what}: нужно {nbytes / 2**30:.1f} ГиБ памяти, а свободно {free / 2**30:.1f} ГиБ. {fix}")


def check_image_size(
    width: int,
    height: int,
    what: str,
    *,
    max_side: int = MAX_IMAGE_SIDE,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_aspect: float = MAX_ASPECT,
) -> None:
    """Проверяет размер картинки по заголовку — до декодирования и до любого ``Resize``.

    Raises:
        ValueError: пустая картинка, слишком большая сторона или площадь, слишком вытянутая.
    """
    if width < 1 or height < 1:
        raise ValueError(f"{what}: пустая картинка {width}×{height}")
    if max(width, height) > max_side or width * height > max_pixels:
        raise ValueError(
            f"{what}: картинка {width}×{height} слишком велика (допустимо до {max_side} пикселей по стороне и "
            f"{max_pixels / 1e6:.0f} млн пикселей). Уменьшите её в графическом редакторе."
        )
    aspect = max(width, height) / min(width, height)
    if aspect > max_aspect:
        raise ValueError(
            f"{what}: картинка {width}×{height} слишком вытянута (стороны отличаются в {aspect:.0f} раз, "
            f"допустимо не больше {max_aspect:g}); после уменьшения до 256 по короткой стороне она заняла бы "
            "гигабайты. Обрежьте её."
        )


def as_tuple(value: object, n: int, name: str, *, minimum: int = 0, maximum: int | None = None) -> tuple[int, ...]:
    """Приводит ``value`` (число или последовательность из ``n`` чисел) к кортежу длины ``n``.

    Например, ``as_tuple(3, 2, "stride") == (3, 3)``, ``as_tuple((1, 2), 2, "stride") == (1, 2)``.

    Raises:
        TypeError: если пришло не целое число и не последовательность целых.
        ValueError: если длина не ``n`` или есть число меньше ``minimum``.
    """
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name}: ожидалось одно число или {n} числа, получено {len(value)}: {describe(value)}")
        return tuple(check_int(v, name, minimum=minimum, maximum=maximum) for v in value)
    return (check_int(value, name, minimum=minimum, maximum=maximum),) * n


def check_tensor(
    x: object, name: str, ndim: int, layout: str, *, floating: bool = True, nonempty: bool = False
) -> torch.Tensor:
    """Проверяет, что ``x`` — тензор с ``ndim`` измерениями (``layout`` — их смысл, например "(N, C, H, W)").

    Args:
        floating: требовать вещественный тип (float16/32/64, bfloat16).
        nonempty: все измерения должны быть ≥ 1.

    Raises:
        TypeError: если ``x`` не тензор или (при ``floating``) не вещественного типа.
        ValueError: если число измерений не ``ndim`` или (при ``nonempty``) есть пустое измерение.
    """
    if not isinstance(x, torch.Tensor):
        hint = ""
        if isinstance(x, (list, tuple)) or type(x).__name__ == "ndarray":
            hint = " Преобразуйте: torch.tensor(...) или torch.from_numpy(...)."
        raise TypeError(f"{name}: ожидался torch.Tensor формы {layout}, получено {describe(x)}.{hint}")
    if x.ndim != ndim:
        hint = ""
        if x.ndim == ndim - 1 and layout.startswith("(N"):
            hint = " Нет измерения батча? Добавьте его: x.unsqueeze(0)."
        raise ValueError(
            f"{name}: ожидался тензор с {ndim} измерениями {layout}, "
            f"получен тензор с {x.ndim} измерениями формы {tuple(x.shape)}.{hint}"
        )
    if floating and not x.is_floating_point():
        raise TypeError(
            f"{name}: ожидался вещественный тензор (float32 или float64), получен {x.dtype}. "
            "Преобразуйте его: x.float()"
        )
    if nonempty and x.numel() == 0:
        raise ValueError(f"{name}: тензор пуст — форма {tuple(x.shape)} {layout}; все размеры должны быть ≥ 1")
    return x


def check_choice(value: object, name: str, choices: Iterable[_T]) -> _T:
    """Проверяет, что ``value`` — одно из ``choices``, и возвращает его.

    Raises:
        TypeError: варианты — строки, а пришла не строка.
        ValueError: если значение не из списка.
    """
    choices = list(choices)
    if all(isinstance(c, str) for c in choices) and not isinstance(value, str):
        raise TypeError(f"{name}: ожидалась строка — одно из {choices}, получено {describe(value)}")
    if value not in choices:
        hint = ""
        if isinstance(value, str):
            close = [c for c in choices if isinstance(c, str) and c.lower() == value.strip().lower()]
            if close:
                hint = f". Может быть, {close[0]!r}? (регистр и пробелы важны)"
        raise ValueError(f"{name}: ожидалось одно из {choices}, получено {describe(value, 60)}{hint}")
    return cast(_T, value)  # value среди choices — значит, того же типа
