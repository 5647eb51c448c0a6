"""Интерактивные виджеты уроков: только создание ползунков и связь с чистыми функциями.

``base`` — класс :class:`Explorer` и общие кирпичики, ``pictures`` — обозреватели свёртки, ядра и
пулинга, ``models`` — калькулятор форм и классификатор картинок.
"""

from __future__ import annotations

from .base import Explorer
from .models import image_classifier, shape_calculator
from .pictures import conv_explorer, kernel_editor, pool_explorer

__all__ = ["Explorer", "conv_explorer", "kernel_editor", "pool_explorer", "shape_calculator", "image_classifier"]
