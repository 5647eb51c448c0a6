"""Общие настройки тестов: быстрый режим для уроков, запускаемых nbval."""

import os

# Ядра Jupyter, которые запускает nbval, наследуют окружение этого процесса.
os.environ.setdefault("CNN_COURSE_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
