"""Быстрый режим (CNN_COURSE_FAST) и выбор устройства."""

from __future__ import annotations

import os

import torch

__all__ = ["fast_mode", "get_device"]


def fast_mode() -> bool:
    """True, если задана переменная окружения ``CNN_COURSE_FAST`` (не '0', не пустая).

    Тесты включают быстрый режим: уроки берут маленькие размеры и мало эпох.
    """
    return os.environ.get("CNN_COURSE_FAST", "").strip().lower() not in ("", "0", "false", "no")


def get_device(prefer: str | torch.device | None = "auto") -> torch.device:
    """Устройство для вычислений: CUDA, если есть, затем Apple MPS, иначе CPU.

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
