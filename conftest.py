"""Общие настройки pytest: уроки под nbval идут в проверочном режиме (CNN_COURSE_MODE=smoke)."""

import os

# Ядра Jupyter, которые запускает nbval, наследуют окружение этого процесса.
os.environ.setdefault("CNN_COURSE_MODE", "smoke")
os.environ.setdefault("MPLBACKEND", "Agg")
