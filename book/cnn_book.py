"""Расширение Sphinx для книги курса: то, чего нет в MyST-NB и sphinx-book-theme.

- Собирает папку исходников книги (``sphinx-build -c book SRC OUT``): страницы из ``book/``, README
  (стартовая страница включает из него описание курса) и уроки из реестра ``cnn_course.lessons``
  — из ``notebooks/`` (их выполняет MyST-NB) или из папки уже выполненных уроков
  (``-D cnn_book_executed=DIR``, выполнение выключается).
- Оглавление: список уроков и toctree на стартовой странице строятся из реестра уроков.
- Скрипты для работы без сети: MathJax 3, require.js и менеджер виджетов
  ``@jupyter-widgets/html-manager`` один раз скачиваются из реестра npm (архивы сверяются с
  записанными здесь SHA-256) в ``build/.book-vendor/`` и кладутся в ``_static/`` книги.
- В каждый урок добавляется заметка: книга статична, ползунки двигаются только в JupyterLab.
- Раздел «Литература» урока получает ссылки ``{cite:p}`` на записи ``references.bib`` (по адресу
  или названию работы); ноутбуки при этом не меняются.
- Пути машины сборщика (домашняя папка, временные папки, папка курса) убираются из страниц.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tarfile
import tempfile
import urllib.request
from fnmatch import fnmatch
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[1]
BOOK = Path(__file__).resolve().parent
VENDOR_CACHE = ROOT / "build" / ".book-vendor"
REGISTRY = "https://registry.npmjs.org"
LESSONS_DIR = "lessons"
LESSONS_MARKER = "<!-- уроки из реестра cnn_course.lessons -->"

# пакет npm → (версия, SHA-256 архива, какие файлы взять из package/ (шаблоны fnmatch), папка в _static/)
VENDOR = {
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

NOTE_WIDGETS = (
    "Это страница книги: код урока уже выполнен, рисунки и результаты сохранены. Ползунки и другие "
    "элементы управления показывают сохранённое состояние — двигаются они только в JupyterLab: "
    "откройте урок командой `make lab`."
)
NOTE_PLAIN = (
    "Это страница книги: код урока уже выполнен, рисунки и результаты сохранены. Чтобы менять код и "
    "запускать его, откройте урок в JupyterLab командой `make lab`."
)

logger = logging.getLogger(__name__)


# --- скрипты из реестра npm ---------------------------------------------------------------------


def fetch_vendor(cache: Path = VENDOR_CACHE, timeout: float = 60.0) -> list[Path]:
    """Скачивает (один раз) пакеты npm, сверяет SHA-256 и распаковывает нужные файлы.

    Returns:
        папки для ``html_static_path``: содержимое каждой попадает в ``_static/`` книги.
    """
    folders = []
    for name, (version, sha256, wanted, target) in VENDOR.items():
        folder = cache / f"{target}-{version}"
        folders.append(folder)
        if (folder / target).is_dir():
            continue
        url = f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
        logger.info(f"книга: скачиваю {name}@{version} из реестра npm")
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
            staging.rename(folder)
        except OSError:  # другая сборка успела раньше
            shutil.rmtree(staging, ignore_errors=True)
    return folders


# --- исходники книги ----------------------------------------------------------------------------


def _sync(src: Path, dest: Path) -> None:
    """Копирует файл, только если он изменился: Sphinx и кеш MyST-NB не пересобирают лишнего."""
    data = src.read_bytes()
    if dest.is_file() and dest.read_bytes() == data:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)


def prepare_sources(app: Sphinx, config) -> None:
    """Заполняет папку исходников книги и подключает скачанные скрипты."""
    from cnn_course.lessons import LESSONS

    srcdir = Path(app.srcdir)
    if srcdir.resolve() == BOOK:
        raise RuntimeError("книга собирается в отдельной папке исходников: sphinx-build -c book SRC OUT")
    for path in BOOK.iterdir():
        if path.suffix in (".md", ".bib"):
            _sync(path, srcdir / path.name)
    _sync(ROOT / "README.md", srcdir / "README.md")
    executed = Path(config.cnn_book_executed).resolve() if config.cnn_book_executed else None
    origin = executed or ROOT / "notebooks"
    wanted = set()
    for lesson in LESSONS:
        source = origin / lesson.file
        if not source.is_file():
            raise RuntimeError(f"нет урока {source}")
        _sync(source, srcdir / LESSONS_DIR / lesson.file)
        wanted.add(lesson.file)
    for stale in (srcdir / LESSONS_DIR).glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    if executed is not None:
        config.nb_execution_mode = "off"
    elif not config.nb_execution_cache_path:
        # кеш MyST-NB узнаёт урок по коду ячеек, а не по режиму: у каждого режима свой кеш
        from cnn_course.settings import run_mode

        config.nb_execution_cache_path = str(ROOT / "build" / ".jupyter_cache" / run_mode())
    config.html_static_path = [*config.html_static_path, *map(str, fetch_vendor())]


def lesson_list() -> str:
    """Список уроков с описаниями и скрытое оглавление — из реестра уроков (MyST)."""
    from cnn_course.lessons import LESSONS

    items = [
        f"{lesson.number}. [{lesson.title}]({LESSONS_DIR}/{lesson.file}) — {lesson.summary}." for lesson in LESSONS
    ]
    toc = [f"Урок {lesson.number}. {lesson.title} <{LESSONS_DIR}/{lesson.stem}>" for lesson in LESSONS]
    return "\n".join(
        [
            "## Уроки",
            "",
            *items,
            "",
            "```{toctree}",
            ":hidden:",
            ":maxdepth: 2",
            ":caption: Уроки",
            "",
            *toc,
            "```",
            "",
            "```{toctree}",
            ":hidden:",
            ":caption: Приложения",
            "",
            "literature",
            "```",
        ]
    )


# --- заметка и ссылки на литературу в уроках ----------------------------------------------------


def _bib_entries(path: Path) -> list[tuple[str, list[str]]]:
    """Записи BibTeX: (ключ, [адрес без схемы, название в нижнем регистре])."""
    from pybtex.database import parse_file

    entries = []
    for key, entry in parse_file(str(path)).entries.items():
        marks = []
        url = entry.fields.get("url", "")
        if url:
            marks.append(re.sub(r"^https?://", "", url).rstrip("/").lower())
        title = re.sub(r"[{}]", "", entry.fields.get("title", "")).lower()
        if title:
            marks.append(title)
        entries.append((key, marks))
    return entries


def cite_literature(text: str, entries: list[tuple[str, list[str]]]) -> str:
    """В разделе «## Литература» к каждому пункту списка дописывает ``{cite:p}`` найденных работ."""
    head, sep, section = text.partition("## Литература")
    if not sep:
        return text
    lines = section.split("\n")
    items: list[list[int]] = []  # пункт списка = номера его строк
    for i, line in enumerate(lines):
        if line.startswith("- "):
            items.append([i])
        elif items and line.startswith("  ") and line.strip():
            items[-1].append(i)
        elif line.startswith("#"):
            break
    for item in items:
        joined = " ".join(lines[i].strip() for i in item).lower()
        keys = [key for key, marks in entries if any(mark in joined for mark in marks)]
        if keys:
            lines[item[-1]] += " {cite:p}`" + ",".join(keys) + "`"
    return head + sep + "\n".join(lines)


def edit_source(app: Sphinx, docname: str, source: list[str]) -> None:
    """Стартовая страница: список уроков; урок: заметка о статичности и ссылки на литературу."""
    from cnn_course.lessons import get_lesson

    if docname == app.config.root_doc:
        source[0] = source[0].replace(LESSONS_MARKER, lesson_list())
        return
    if not docname.startswith(f"{LESSONS_DIR}/"):
        return
    lesson = get_lesson(docname.split("/", 1)[1])
    nb = json.loads(source[0])
    entries = _bib_entries(Path(app.srcdir) / "references.bib")
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            cited = cite_literature(text, entries)
            if cited != text:
                cell["source"] = cited
    # заметка — сразу под заголовком урока (первая строка первой ячейки)
    note = NOTE_WIDGETS if lesson.widgets else NOTE_PLAIN
    first = nb["cells"][0]
    title, _, rest = "".join(first["source"]).partition("\n")
    first["source"] = f"{title}\n\n```{{note}}\n{note}\n```\n{rest}"
    source[0] = json.dumps(nb, ensure_ascii=False)


# --- пути машины сборщика -----------------------------------------------------------------------


def machine_paths(app: Sphinx) -> list[tuple[re.Pattern, str]]:
    """Что заменить в страницах: (шаблон пути, замена). Длинные пути раньше коротких."""
    pairs = []
    lessons = Path(app.srcdir).resolve() / LESSONS_DIR
    for base in (lessons, ROOT):
        pairs.append((re.compile(re.escape(str(base)) + r"/?"), ""))
    # рабочие папки прогона уроков (tools/run_lessons.py) и любые другие временные папки
    tmp = re.escape(tempfile.gettempdir().rstrip("/"))
    pairs.append((re.compile(tmp + r"/lessons-\w+-\w+/?"), ""))
    pairs.append((re.compile(tmp + r"/[\w.\-]+(?=/)"), "…"))
    home = str(Path.home())
    if home not in ("/", ""):
        pairs.append((re.compile(re.escape(home) + r"(?=/|\b)"), "~"))
    return pairs


def scrub(text: str, pairs: list[tuple[re.Pattern, str]]) -> str:
    for pattern, repl in pairs:
        text = pattern.sub(repl, text)
    return text


def scrub_doctree(app: Sphinx, doctree: nodes.document) -> None:
    """Убирает пути машины из текста, выводов ячеек и состояния виджетов страницы."""
    pairs = machine_paths(app)
    for node in list(doctree.findall(nodes.Text)):
        new = scrub(str(node), pairs)
        if new != str(node):
            node.parent.replace(node, nodes.Text(new))
    for node in doctree.findall(nodes.raw):
        new = scrub(node.astext(), pairs)
        if new != node.astext():
            node.children = [nodes.Text(new)]
    for node in doctree.findall(nodes.literal_block):
        if node.get("raw_text") is not None:
            node["raw_text"] = scrub(node["raw_text"], pairs)


def scrub_js_files(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Состояние виджетов (встроенный JSON) тоже может содержать пути машины."""
    pairs = machine_paths(app)
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body")
        if body:
            script.attributes["body"] = scrub(body, pairs)


def setup(app: Sphinx) -> dict:
    app.add_config_value("cnn_book_executed", "", "env", types=frozenset({str}))
    app.connect("config-inited", prepare_sources)
    app.connect("source-read", edit_source)
    app.connect("doctree-read", scrub_doctree)
    app.connect("html-page-context", scrub_js_files, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
