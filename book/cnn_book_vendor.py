"""Скрипты книги из реестра npm — отдельный шаг сборки: ``python book/cnn_book_vendor.py``.

Пакеты скачиваются один раз, архивы сверяются с записанными здесь SHA-256 и распаковываются в
``build/.book-vendor/``. Сборка книги (``sphinx-build``) берёт их оттуда и кладёт в ``_static/``;
axe-core нужен только тесту книги (``tests/test_book.py``) и в книгу не попадает.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR_CACHE = ROOT / "build" / ".book-vendor"
REGISTRY = "https://registry.npmjs.org"

# пакет npm → (версия, SHA-256 архива, какие файлы взять из package/ (шаблоны fnmatch), папка в _static/)
SITE = {
    "mathjax": (
        "3.2.2",
        "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09",
        ["es5/tex-mml-chtml.js", "es5/input/*", "es5/output/chtml/*", "es5/ui/*", "es5/a11y/*", "es5/sre/*"],
        "mathjax",
    ),
    "requirejs": (
        "2.3.7",
        "31f3330c978fb28684622fe71165dc946432cf0210b2ea8a1ca0233e70f2737d",
        ["require.js"],
        "requirejs",
    ),
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        "2b9d65cb7913e1c7d671757a10008b32c9c2448d4429513371e55c07d6107638",
        ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot", "dist/*.svg"],
        "html-manager",
    ),
}
# только для теста книги: проверка доступности (все правила axe-core)
TESTING = {
    "axe-core": (
        "4.14.1",
        "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745",
        ["axe.min.js", "LICENSE"],
        "axe-core",
    ),
}
MATHJAX_JS = "mathjax/es5/tex-mml-chtml.js"
WIDGETS_JS = {"requirejs/require.js": {}, "html-manager/dist/embed-amd.js": {}}

# Менеджер виджетов ищет свои шрифты (FontAwesome) в папке модуля AMD: адрес строится из имени
# модуля («@jupyter-widgets/controls» — относительно страницы, а не скрипта) как origin + путь, а
# у file:// origin — строка «null». Обе правки ведут к папке самого embed-amd.js.
PATCHES = [
    (
        re.compile(r"new URL\((\w+)\.uri,document\.location\)"),
        "new URL(document.querySelector('script[src*=\"embed-amd.js\"]').src,document.location)",
    ),
    (re.compile(r"`\$\{(\w+)\.origin\}\$\{\1\.pathname\}`"), r"`${\1.protocol}//${\1.host}${\1.pathname}`"),
]


def folder(name: str, packages: dict = SITE, cache: Path = VENDOR_CACHE) -> Path:
    """Папка пакета в кеше; файлы пакета — в ``<папка>/<target>/``."""
    version, _, _, target = packages[name]
    return cache / f"{target}-{version}"


def axe_js(cache: Path = VENDOR_CACHE) -> Path:
    version, _, _, target = TESTING["axe-core"]
    return cache / f"{target}-{version}" / target / "axe.min.js"


def fetch(packages: dict = SITE, cache: Path = VENDOR_CACHE, timeout: float = 60.0, log=print) -> list[Path]:
    """Скачивает (один раз) пакеты npm, сверяет SHA-256 и распаковывает нужные файлы.

    Returns:
        папки для ``html_static_path``: содержимое каждой попадает в ``_static/`` книги.
    """
    folders = []
    for name, (version, sha256, wanted, target) in packages.items():
        where = cache / f"{target}-{version}"
        folders.append(where)
        if (where / target).is_dir():
            continue
        url = f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
        log(f"книга: скачиваю {name}@{version} из реестра npm")
        with urllib.request.urlopen(url, timeout=timeout) as response:
            blob = response.read()
        actual = hashlib.sha256(blob).hexdigest()
        if actual != sha256:
            raise RuntimeError(f"{name}@{version}: SHA-256 архива {actual}, ожидалась {sha256}")
        cache.mkdir(parents=True, exist_ok=True)
        # распаковка во временную папку и переименование: параллельная сборка не увидит половину файлов
        staging = Path(tempfile.mkdtemp(prefix=f".{target}-", dir=cache))
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
                if not member.isfile() or rel.endswith(".map") or not any(fnmatch(rel, w) for w in wanted):
                    continue
                data = tar.extractfile(member).read()
                if rel.endswith("embed-amd.js"):
                    text = data.decode("utf-8")
                    for pattern, repl in PATCHES:
                        text, count = pattern.subn(repl, text)
                        if not count:
                            raise RuntimeError(f"{name}@{version}: правка адреса шрифтов не нашла {pattern.pattern}")
                    data = text.encode("utf-8")
                out = staging / target / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
        try:
            staging.rename(where)
        except OSError:  # другая сборка успела раньше
            shutil.rmtree(staging, ignore_errors=True)
    return folders


def missing(packages: dict = SITE, cache: Path = VENDOR_CACHE) -> list[str]:
    """Пакеты, которых ещё нет в кеше."""
    return [name for name in packages if not (folder(name, packages, cache) / packages[name][3]).is_dir()]


if __name__ == "__main__":
    for path in [*fetch(SITE), *fetch(TESTING)]:
        print(path)
    sys.exit(0)
