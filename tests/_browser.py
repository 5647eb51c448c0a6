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
            reason = "нет пакета playwright (он в зависимостях dev: make setup-dev)"
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
        CNN_COURSE_MODE="smoke",
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


# Что видит ученик в обозревателе (корень — элемент .cc-explorer): полосы прокрутки, короткие
# дорожки ползунков, обрезанный текст подписей, кнопок и списков. Возвращает список проблем.
EXPLORER_LAYOUT = """(root) => {
  const problems = [];
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const name = (el) => {
    const cls = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).filter(c => c).slice(0, 3) : [];
    return [el.tagName.toLowerCase(), ...cls].join('.');
  };
  for (const el of [root, ...root.querySelectorAll('*')]) {
    if (!shown(el)) continue;
    const overflow = getComputedStyle(el).overflowX;
    if ((el === root || overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`полоса прокрутки в ${name(el)}: ${el.scrollWidth} > ${el.clientWidth} пикс.`);
    }
  }
  for (const track of root.querySelectorAll('.noUi-target')) {
    const width = track.getBoundingClientRect().width;
    if (shown(track) && width < 120) problems.push(`дорожка ползунка ${Math.round(width)} < 120 пикс.`);
  }
  // scrollWidth округляется до целых и пропускает «дополнение (paddin…» на полпикселя уже текста,
  // поэтому однострочный текст ещё и измеряется шрифтом элемента
  const ctx = document.createElement('canvas').getContext('2d');
  const textWidth = (el, text) => {
    const cs = getComputedStyle(el);
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    return ctx.measureText(text).width;
  };
  const texts = '.widget-label, .widget-readout, label, button, .widget-html-content, .widget-toggle-button';
  for (const el of root.querySelectorAll(texts)) {
    if (!shown(el)) continue;
    const cs = getComputedStyle(el);
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const text = el.innerText.trim();
    const oneLine = cs.whiteSpace === 'nowrap' || cs.whiteSpace === 'pre';
    const width = oneLine && text && !el.children.length ? textWidth(el, text) : 0;
    if (el.scrollWidth > el.clientWidth + 1 || width > room + 0.05) {
      problems.push(`обрезан текст ${name(el)} «${text}»: ${Math.round(Math.max(width, el.scrollWidth))} > ${room}`);
    }
  }
  for (const select of root.querySelectorAll('select')) {
    if (!shown(select)) continue;
    const cs = getComputedStyle(select);
    const room = select.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    for (const option of select.options) {
      const width = textWidth(select, option.text);
      if (width > room + 1) problems.push(`в списке не помещается «${option.text}»: ${Math.round(width)} > ${room}`);
    }
  }
  return problems;
}"""

# Картинки страницы. Договорённость о плотности: рисунки виджетов пакета (img.cc-view-*) рисуются
# с плотностью 2× — на экране они не шире naturalWidth / 2 · 1,05 CSS-пикселя; любая другая
# картинка не шире naturalWidth · 1,05 (её не растягивают). Пропорции сохраняются (±2 пикс.),
# «битых» картинок (загружена, а naturalWidth = 0) нет нигде — даже скрытых.
PAGE_IMAGES = """() => {
  const problems = [];
  document.querySelectorAll('img').forEach((img, k) => {
    const where = img.closest('.cc-explorer') ? 'обозреватель' : 'вывод';
    const what = `картинка ${k} (${img.className || 'без класса'}, ${where})`;
    if (img.complete && img.naturalWidth === 0 && img.getAttribute('src')) {
      problems.push(`${what}: не загрузилась («битая»)`);
      return;
    }
    if (img.getClientRects().length === 0 || img.naturalWidth === 0) return;
    const rect = img.getBoundingClientRect();
    const density = /(^|\\s)cc-view-/.test(img.className) ? 2 : 1;
    const limit = img.naturalWidth / density * 1.05;
    if (rect.width > limit) {
      problems.push(`${what}: показана шириной ${Math.round(rect.width)} пикс. при ${img.naturalWidth} точках ` +
                    `и плотности ${density}× — растянута`);
    }
    const expected = rect.width * img.naturalHeight / img.naturalWidth;
    if (Math.abs(rect.height - expected) > Math.max(2, 0.02 * expected)) {
      problems.push(`${what}: искажены пропорции (${Math.round(rect.width)}×${Math.round(rect.height)} ` +
                    `при ${img.naturalWidth}×${img.naturalHeight})`);
    }
  });
  return problems;
}"""

# Выводы ячеек в stderr (розовые рамки предупреждений) — по модели блокнота, а не по экрану.
STDERR_OUTPUTS = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const found = [];
  nb.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'stream' && out.name === 'stderr') {
        const text = Array.isArray(out.text) ? out.text.join('') : String(out.text);
        found.push(`ячейка ${i}: ${text.slice(0, 300)}`);
      }
    }
  });
  return found;
}"""

# Боковая панель с файлами открыта (так ученик видит урок на ноутбуке шириной 1100 пикс.).
OPEN_FILE_BROWSER = """() => {
  const app = window.jupyterapp;
  app.shell.activateById('filebrowser');
  return !app.shell.leftCollapsed;
}"""

# Всё, что курс рисует в выводах ячеек: плашки проверок и ошибок, вопросы с выбором, обозреватели,
# таблицы форм, рисунки с подписями.
COURSE_OUTPUTS = (
    ".cc-callout, .cnn-course-check, .cc-quiz, .cc-expected-error, .cc-explorer, .cc-shape-trace, .cc-figure"
)


def set_theme(page, theme: str) -> None:
    """Включает тему JupyterLab («JupyterLab Dark», «JupyterLab Light») и ждёт, пока она применится."""
    light = "false" if "Dark" in theme else "true"
    page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme)
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000)
    page.wait_for_timeout(1000)  # CSS темы подгружается после смены атрибута


# Контраст по WCAG для каждого видимого текста внутри выводов курса (селектор — аргумент): цвет
# текста поверх всех фонов до первого непрозрачного (полупрозрачные смешиваются). Вопросы с
# выбором раскрываются, чтобы проверить и их ответы. Возвращает {count, min, problems}.
CONTRAST = """(selector) => {
  document.querySelectorAll('.cc-quiz details').forEach(d => { d.open = true; });
  const parse = (c) => {
    let m = c.match(/^rgba?\\(([^)]*)\\)$/);
    if (m) {
      const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = c.match(/^color\\(srgb ([^)]*)\\)$/);
    if (m) {
      const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    return null;
  };
  const over = (top, bottom) => [0, 1, 2].map(i => top[3] * top[i] + (1 - top[3]) * bottom[i]).concat([1]);
  const lum = (c) => {
    const lin = c.slice(0, 3).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
    }
    let color = [255, 255, 255, 1];
    for (const layer of layers.reverse()) color = over(layer, color);
    return color;
  };
  const roots = [...document.querySelectorAll(selector)].filter(r => !r.parentElement.closest(selector));
  const problems = [], seen = [];
  let count = 0, min = Infinity;
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const el = node.parentElement;
      if (!text || !el || el.closest('select, option, script, style')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      if (range.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      const cs = getComputedStyle(el);
      const fore = parse(cs.color);
      const back = background(el);
      if (!fore) { problems.push(`«${text.slice(0, 40)}»: цвет не разобран: ${cs.color}`); continue; }
      const f = over(fore, back);
      const [hi, lo] = [lum(f), lum(back)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      count += 1;
      min = Math.min(min, ratio);
      if (ratio < 4.5) {
        const where = root.className.split(/\\s+/).filter(c => c.startsWith('cc-') || c.startsWith('cnn-'))[0];
        const under = `rgb(${back.slice(0, 3).map(Math.round)})`;
        problems.push(`${where}: «${text.slice(0, 40)}» ${ratio.toFixed(2)} : 1 (${cs.color} на ${under})`);
      }
    }
  }
  return {count, min, problems};
}"""
