"""Помощники браузерных тестов: JupyterLab на свободном порту и headless Chromium из Debian."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"


def require_browser() -> None:
    """Пропускает тест (локально) или роняет его (в CI), если нет Chromium или playwright."""
    reason = None
    if not CHROMIUM.exists():
        reason = "нет /usr/bin/chromium (sudo apt-get install chromium fonts-dejavu-core)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "нет пакета playwright (он в зависимостях dev: make setup)"
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"В CI браузерный тест обязателен: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root_dir: Path, work: Path):
    """Запускает JupyterLab (токен, временные настройки, без новостей) и гасит его по PID в конце.

    Yields:
        (base_url, token)
    """
    settings = work / "settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        CNN_COURSE_FAST="1",
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"),
        JUPYTER_CONFIG_DIR=str(work / "config"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        MPLBACKEND="Agg",
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(work / "jupyterlab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab завершился с кодом {proc.returncode}; журнал: {work / 'jupyterlab.log'}"
                )
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab не ответил за 90 с") from None
                time.sleep(0.5)
        yield base, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def copy_lessons(dest: Path) -> Path:
    """Копия уроков: JupyterLab может сохранить выводы, а файлы в репозитории должны остаться чистыми."""
    shutil.copytree(ROOT / "notebooks", dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "data"))
    return dest


# Проверка, что у шрифта есть кириллица: «Ж» не должна рисоваться так же, как символ без глифа.
CYRILLIC_CHECK = """() => {
  const draw = (text) => {
    const c = document.createElement('canvas'); c.width = 60; c.height = 40;
    const ctx = c.getContext('2d'); ctx.font = '28px sans-serif'; ctx.fillText(text, 4, 30);
    return c.toDataURL();
  };
  const missing = draw('\\uE000');
  return ['Ж', 'ё', 'Я'].every(ch => draw(ch) !== missing && draw(ch) !== draw('Z'));
}"""
