"""Настройки JupyterLab для курса — в окружении, которое создаёт `make lab`, а не в домашней папке.

JupyterLab читает ``<окружение>/share/jupyter/lab/settings/overrides.json`` как значения по
умолчанию (ученик может поменять их в Settings, и его выбор сильнее). Курсу нужны две:

- состояние виджетов сохраняется вместе с блокнотом: открытый заново урок показывает обозреватели
  такими, какими их оставили (без «Error displaying widget: model not found»);
- JupyterLab не спрашивает про новости: всплывающее окно не закрывает урок.

Запуск: ``python tools/lab_settings.py .venv/share/jupyter/lab/settings/overrides.json``
(это делает `make lab`). Уже записанные в файле настройки других расширений сохраняются.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SETTINGS = {
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}


def write(path: Path) -> dict:
    """Дописывает настройки курса в ``overrides.json`` (создаёт файл и папки) и возвращает итог."""
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    for plugin, values in SETTINGS.items():
        current[plugin] = {**current.get(plugin, {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return current


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("Использование: python tools/lab_settings.py <окружение>/share/jupyter/lab/settings/overrides.json")
    write(Path(sys.argv[1]))
