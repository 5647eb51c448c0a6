"""Общие настройки pytest: уроки под nbval идут в проверочном режиме (CNN_COURSE_MODE=smoke)."""

import os
from pathlib import Path

import pytest

# Ядра Jupyter, которые запускает nbval, наследуют окружение этого процесса.
os.environ.setdefault("CNN_COURSE_MODE", "smoke")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.hookimpl(trylast=True)  # после отбора по -m: учитываются только выбранные тесты
def pytest_collection_modifyitems(config, items):
    """Урок с обозревателями браузерный тест и так выполняет целиком — Run All в JupyterLab, в
    проверочном режиме, и ячейка с ошибкой (в том числе с неверным assert) валит тест. Если в этом
    запуске выбран и он, nbval того же урока не повторяется: урок выполняется в проверочном режиме один
    раз, а не дважды. Без браузерных тестов (``-m "not browser"``, нет Chromium) nbval выполняет все уроки.
    """
    if not Path("/usr/bin/chromium").exists():
        return
    in_browser = {
        item.callspec.params["name"]
        for item in items
        if item.get_closest_marker("browser")
        and item.originalname == "test_every_cell_runs_without_error_in_the_browser"
        and hasattr(item, "callspec")
    }
    repeated = [item for item in items if item.path.suffix == ".ipynb" and item.path.name in in_browser]
    if repeated:
        config.hook.pytest_deselected(items=repeated)
        items[:] = [item for item in items if item not in repeated]
