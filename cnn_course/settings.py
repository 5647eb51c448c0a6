"""Режимы запуска уроков (проверочный, обычный, лекционный) и выбор устройства.

Один переключатель — переменная окружения ``CNN_COURSE_MODE``:

- ``smoke`` — проверочный прогон (его запускают тесты): крошечные наборы, секунды на урок;
- ``default`` — обычный режим ученика (ничего не задано, его открывает ``make lab``): каждый урок
  за минуты на двух ядрах CPU в пределах 3 ГБ памяти, с настоящими результатами;
- ``lecture`` — полные размеры лекции (5 эпох на 10 000 картинок).

Старые переменные ``CNN_COURSE_FAST`` и ``CNN_COURSE_FULL`` больше не действуют: если одна из них
задана, :func:`run_mode` отказывается и говорит, чем её заменить, — чтобы режим не сменился молча.
"""

from __future__ import annotations

import os
from typing import TypeVar

import torch

__all__ = ["MODES", "MODE_NAMES", "run_mode", "by_mode", "get_device"]

MODES = ("smoke", "default", "lecture")
MODE_NAMES = {"smoke": "проверочный", "default": "обычный", "lecture": "лекционный"}

_T = TypeVar("_T")


def run_mode() -> str:
    """Режим запуска: ``'smoke'``, ``'default'`` или ``'lecture'`` (см. описание модуля).

    Raises:
        ValueError: в ``CNN_COURSE_MODE`` неизвестное имя или задана старая переменная режима.
    """
    raw = os.environ.get("CNN_COURSE_MODE", "").strip().lower()
    if raw and raw not in MODES:
        raise ValueError(
            f"CNN_COURSE_MODE: ожидалось одно из {list(MODES)}, получено {raw!r}. "
            "Исправьте переменную окружения или удалите её (тогда режим обычный)."
        )
    for old, mode in (("CNN_COURSE_FAST", "smoke"), ("CNN_COURSE_FULL", "lecture")):
        if old in os.environ:
            raise ValueError(
                f"Переменная {old} больше не используется: удалите её и задайте CNN_COURSE_MODE={mode} "
                "(режимы: smoke, default, lecture)."
            )
    return raw or "default"


def by_mode(*, smoke: _T, default: _T, lecture: _T | None = None, mode: str | None = None) -> _T:
    """Значение для текущего режима: ``by_mode(smoke=1, default=3, lecture=5)``.

    Args:
        smoke, default, lecture: значения для режимов (``lecture`` по умолчанию равно ``default``).
        mode: режим явно (по умолчанию — :func:`run_mode`).
    """
    mode = run_mode() if mode is None else mode
    if mode not in MODES:
        raise ValueError(f"mode: ожидалось одно из {list(MODES)}, получено {mode!r}")
    return {"smoke": smoke, "default": default, "lecture": default if lecture is None else lecture}[mode]


def get_device(prefer: str | torch.device | None = "auto") -> torch.device:
    """Устройство для вычислений: CUDA, если есть, затем Apple MPS, иначе CPU.

    Урок вызывает эту функцию один раз (``device = cc.get_device()``) и передаёт ``device``
    дальше; помощники пакета сами устройство не выбирают — берут его у модели.

    Args:
        prefer: ``'auto'`` (или None), ``'cpu'``, ``'cuda'``, ``'mps'``; готовый ``torch.device``
            возвращается как есть.

    Raises:
        ValueError: неизвестное имя или запрошенное устройство недоступно.
    """
    if isinstance(prefer, torch.device):
        return prefer
    if prefer is None or prefer == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if prefer == "cpu":
        return torch.device("cpu")
    if prefer == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("Запрошено устройство 'cuda', но CUDA недоступна: используйте 'auto' или 'cpu'")
        return torch.device("cuda")
    if prefer == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError("Запрошено устройство 'mps', но оно недоступно: используйте 'auto' или 'cpu'")
        return torch.device("mps")
    raise ValueError(f"device: ожидалось 'auto', 'cpu', 'cuda' или 'mps', получено {prefer!r}")
