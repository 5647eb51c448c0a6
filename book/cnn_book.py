"""Расширение Sphinx для книги курса: то, чего нет в MyST-NB и sphinx-book-theme.

- Собирает папку исходников книги (``sphinx-build -c book SRC OUT``): страницы из ``book/``, README
  (стартовая страница включает из него описание курса) и уроки из реестра ``cnn_course.lessons``
  — из ``notebooks/`` (их выполняет MyST-NB) или из папки уже выполненных уроков
  (``-D cnn_book_executed=DIR``, выполнение выключается).
- Оглавление: список уроков и toctree на стартовой странице строятся из реестра уроков.
- Скрипты для работы без сети (MathJax 3, require.js, менеджер виджетов) скачивает отдельный шаг
  ``python book/cnn_book_vendor.py``; сборка берёт их из ``build/.book-vendor/`` (нет — скачает сама).
- В каждый урок добавляется заметка: книга статична, ползунки двигаются только в JupyterLab; как
  запустить урок у себя — ссылка на архив курса ``cnn-course.zip`` (его пишет сборка).
- Раздел «Литература» урока получает ссылки ``{cite:p}`` на записи ``references.bib`` (по адресу
  или названию работы); ноутбуки при этом не меняются.
- Для читателя: якоря разделов — их названия; у рисунков выводов — подписи; фотографии — WebP;
  фразы для ноутбука («впишите номер ниже…») убраны; строки тем — по-русски; поиск показывает
  отрывки (``_static/search-text.js``).
- Пути машины сборщика (домашняя папка, временные папки, папка курса) убираются из страниц.
"""

from __future__ import annotations

import html
import html.parser
import json
import re
import tempfile
import zipfile
from pathlib import Path

import cnn_book_vendor as vendor
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[1]
BOOK = Path(__file__).resolve().parent
LESSONS_DIR = "lessons"
LESSONS_MARKER = "<!-- уроки из реестра cnn_course.lessons -->"
MATHJAX_JS = vendor.MATHJAX_JS
WIDGETS_JS = vendor.WIDGETS_JS
ARCHIVE = "cnn-course.zip"

NOTE_WIDGETS = (
    "Это страница книги: код урока уже выполнен, рисунки и результаты сохранены. Ползунки и другие "
    "элементы управления показывают сохранённое состояние — двигаются они только в JupyterLab."
)
NOTE_PLAIN = "Это страница книги: код урока уже выполнен, рисунки и результаты сохранены."
# отдельный ноутбук без пакета cnn_course не запустится: ссылка — на архив всего курса
NOTE_RUN = (
    "**Как запустить урок у себя.** Скачайте "
    f'<a href="../{ARCHIVE}" download>архив курса</a> (уроки, пакет `cnn_course` и настройки), '
    "распакуйте его и в папке `cnn-course` выполните `make lab`: команда поставит PyTorch и "
    "JupyterLab в папку `.venv` и откроет уроки. Нужны `python3` (3.11–3.13) и `make`."
)
# текст для ноутбука, а не для книги: в книге нечего вписывать и нечего запускать
JUPYTER_ONLY = [re.compile(r"\s*Или впишите номер ниже и проверьте ответ\.")]

logger = logging.getLogger(__name__)


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
    absent = vendor.missing()
    if absent:
        # отдельный шаг «python book/cnn_book_vendor.py» делает сборку без сети; здесь — запасной путь
        logger.info(f"книга: нет скриптов {', '.join(absent)} — скачиваю (python book/cnn_book_vendor.py)")
    config.html_static_path = [*config.html_static_path, *map(str, vendor.fetch(log=logger.info))]


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
    first["source"] = f"{title}\n\n```{{note}}\n{note}\n\n{NOTE_RUN}\n```\n{rest}"
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


# --- страницы для читателя: якоря, рисунки, текст только для Jupyter -------------------------


def readable_anchors(app: Sphinx, doctree: nodes.document) -> None:
    """Якорь раздела — его название (slug MyST), а не ``id2``: ссылки не меняются от новых разделов."""
    for section in doctree.findall(nodes.section):
        ids = section["ids"]
        readable = [i for i in ids if not re.fullmatch(r"id\d+", i)]
        if readable and ids[0] != readable[0]:
            section["ids"] = [*readable, *(i for i in ids if i not in readable)]


def _is_photo(path: Path) -> bool:
    """Много цветов (фотографии, шум) — рисунок лучше сжимается с потерями; графики — нет."""
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("RGB").getcolors(maxcolors=40_000) is None


def _webp(path: Path, quality: int = 85) -> Path | None:
    """WebP рядом с PNG, если он заметно меньше (один раз: повторная сборка берёт готовый)."""
    from PIL import Image

    out = path.with_suffix(".webp")
    if not out.is_file() or out.stat().st_mtime < path.stat().st_mtime:
        with Image.open(path) as im:
            im.convert("RGB").save(out, "WEBP", quality=quality, method=4)
    return out if out.stat().st_size < 0.7 * path.stat().st_size else None


def lesson_figures(app: Sphinx, doctree: nodes.document) -> None:
    """Рисунки уроков: подпись вместо имени файла; фотографии — WebP вместо PNG в 1–2 МБ."""
    docname = app.env.docname
    if not docname.startswith(f"{LESSONS_DIR}/"):
        return
    from cnn_course.lessons import get_lesson

    lesson = get_lesson(docname.split("/", 1)[1])
    srcdir = Path(app.srcdir)
    for k, image in enumerate(doctree.findall(nodes.image), start=1):
        uri = image.get("uri", "")
        alt = image.get("alt", "")
        if not alt or alt == uri or "/" in alt or alt.endswith((".png", ".jpg", ".svg", ".webp", ".gif")):
            cell = image.parent
            while cell is not None and "cell" not in cell.get("classes", []):
                cell = cell.parent
            comment = ""
            if cell is not None:
                for block in cell.findall(nodes.literal_block):
                    comment = next(
                        (line.lstrip("# ").strip() for line in block.astext().splitlines() if line.startswith("#")), ""
                    )
                    break
            image["alt"] = f"Рисунок {k} урока {lesson.number}" + (f": {comment}" if comment else "")
        if uri.startswith("data:") or not uri.endswith(".png"):
            continue
        path = (srcdir / Path(docname).parent / uri).resolve() if not Path(uri).is_absolute() else Path(uri)
        if not path.is_file():
            path = (srcdir / uri.lstrip("/")).resolve()
        if not path.is_file() or path.stat().st_size < 200_000 or not _is_photo(path):
            continue
        smaller = _webp(path)
        if smaller is not None:
            image["uri"] = uri[: -len(".png")] + ".webp"
            image.get("candidates", {}).pop("image/png", None)


def book_only_text(app: Sphinx, doctree: nodes.document) -> None:
    """Убирает из выводов фразы, обращённые к ноутбуку («впишите номер ниже…»)."""
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        new = text
        for pattern in JUPYTER_ONLY:
            new = pattern.sub("", new)
        if new != text:
            node.children = [nodes.Text(new)]


# --- страница: заголовок, поиск -----------------------------------------------------------------


def page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Стартовая страница без повтора названия курса; страница поиска — с текстами страниц."""
    if pagename == app.config.root_doc:
        context["docstitle"] = ""  # <title> — только заголовок страницы (он и есть название курса)
    if pagename == "search":
        app.add_js_file("search-text.js", priority=900)


# --- после сборки: архив курса, тексты для поиска, русские строки темы ---------------------------

# файлы архива курса (пути от корня курса; папки — целиком, без кешей)
ARCHIVE_FILES = ["README.md", "Makefile", "pyproject.toml", "constraints.txt", "tools/lab_settings.py"]
ARCHIVE_DIRS = {"notebooks": ("*.ipynb",), "cnn_course": ("*.py", "py.typed", "*.json", "*.png", "*.jpg")}


def course_archive(dest: Path) -> Path:
    """``cnn-course.zip``: уроки, пакет и всё, что нужно команде ``make lab``; время файлов постоянное."""
    files = [ROOT / name for name in ARCHIVE_FILES]
    for folder, patterns in ARCHIVE_DIRS.items():
        for path in sorted((ROOT / folder).rglob("*")):
            parts = path.relative_to(ROOT).parts
            if (
                path.is_file()
                and any(path.match(p) for p in patterns)
                and not any(part.startswith(".") or part == "__pycache__" for part in parts)
            ):
                files.append(path)
    tmp = dest.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo("cnn-course/" + path.relative_to(ROOT).as_posix(), date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    tmp.replace(dest)
    return dest


class _MainText(html.parser.HTMLParser):
    """Основной текст страницы (``[role=main]``) для отрывков поиска: разделы с якорями и текст."""

    SKIP = frozenset({"script", "style", "svg", "img", "mjx-container", "math", "button", "template", "nav"})
    KEEP = frozenset({"section", "h1", "h2", "h3", "h4", "p", "li", "pre", "dt", "dd", "td", "th"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.inside = 0  # глубина внутри [role=main]
        self.skip = 0
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "img", "input", "meta", "link", "hr", "wbr"):
            return
        if self.inside:
            self.inside += 1
        elif attrs.get("role") == "main":
            self.inside = 1
            self.stack.append("div")
            self.out.append('<div role="main">')
            return
        if not self.inside:
            return
        if self.skip or tag in self.SKIP or "headerlink" in (attrs.get("class") or ""):
            self.skip += 1
            self.stack.append("")
            return
        if tag in self.KEEP:
            ident = f' id="{html.escape(attrs["id"])}"' if tag == "section" and attrs.get("id") else ""
            self.out.append(f"<{tag}{ident}>")
            self.stack.append(tag)
        else:
            self.stack.append("")

    def handle_endtag(self, tag):
        if not self.inside or tag in ("br", "img", "input", "meta", "link", "hr", "wbr"):
            return
        self.inside -= 1
        kept = self.stack.pop() if self.stack else ""
        if self.skip:
            self.skip -= 1
            return
        if kept:
            self.out.append(f"</{kept}>")

    def handle_data(self, data):
        if self.inside and not self.skip:
            self.out.append(html.escape(data, quote=False))


def main_text(page: str) -> str:
    parser = _MainText()
    parser.feed(page)
    return re.sub(r"\s+", " ", "".join(parser.out))


def search_texts(outdir: Path, docnames: list[str]) -> str:
    """``_static/search-text.js``: текст каждой страницы для отрывков под результатами поиска.

    Поиск Sphinx берёт отрывок, загружая страницу через ``fetch()``, а с ``file://`` это запрещено:
    скрипт отвечает на такие запросы текстом из этого файла (обычный ``<script>``, без ``fetch``).
    """
    texts = {}
    for docname in docnames:
        path = outdir / f"{docname}.html"
        if path.is_file():
            texts[docname + ".html"] = main_text(path.read_text(encoding="utf-8"))
    data = json.dumps(texts, ensure_ascii=False).replace("</", "<\\/")
    return (
        "// Книга курса: тексты страниц для отрывков поиска (собирает book/cnn_book.py)\n"
        "(function () {\n"
        '  "use strict";\n'
        f"  const pages = {data};\n"
        "  const realFetch = window.fetch.bind(window);\n"
        "  window.fetch = function (resource, options) {\n"
        "    const url = new URL(String(resource), document.baseURI);\n"
        "    const root = new URL(document.documentElement.dataset.content_root || './', document.baseURI);\n"
        "    const key = decodeURIComponent(url.href.slice(root.href.length).split(/[?#]/)[0]);\n"
        "    if (url.href.startsWith(root.href) && Object.prototype.hasOwnProperty.call(pages, key)) {\n"
        "      return Promise.resolve(new Response(pages[key], {headers: {'Content-Type': 'text/html'}}));\n"
        "    }\n"
        "    return realFetch(resource, options);\n"
        "  };\n"
        "})();\n"
    )


# строки тем (шаблоны sphinx-book-theme и pydata-sphinx-theme), которых нет в их русских каталогах
THEME_STRINGS = {
    'title="Toggle primary sidebar"': 'title="Оглавление курса"',
    'title="Toggle secondary sidebar"': 'title="Содержание страницы"',
    'aria-label="Toggle primary sidebar"': 'aria-label="Оглавление курса"',
    'aria-label="Toggle secondary sidebar"': 'aria-label="Содержание страницы"',
    'title="Color mode"': 'title="Светлая или тёмная тема"',
    'aria-label="Color mode"': 'aria-label="Светлая или тёмная тема"',
    "System Settings": "Как в системе",
    ">Back to top<": ">Наверх<",
    'aria-label="Back to top"': 'aria-label="Наверх"',
    'aria-label="Main"': 'aria-label="Уроки"',
    'aria-label="Page"': 'aria-label="Страница"',
    'aria-label="Version warning"': 'aria-label="Предупреждение о версии"',
    'aria-label="Search..."': 'aria-label="Что найти"',
    'placeholder="Search..."': 'placeholder="Что найти…"',
    "темная": "тёмная",
    "Темная": "Тёмная",
    # у записей литературы роль списка (docutils пишет устаревшую doc-biblioentry)
    'role="doc-biblioentry"': 'role="listitem"',
}


# кнопка «скачать .ipynb» темы ведёт в пустую _sources/ (исходники в книгу не копируются): вместо неё — архив
SOURCE_BUTTON = re.compile(
    r'href="((?:\.\./)*)_sources/[^"]*"(\s+target="_blank")?(\s+class="[^"]*btn-download-source-button[^"]*")'
    r'\s+title="[^"]*"(.*?)<span class="btn__text-container">[^<]*</span>',
    re.S,
)
# у поля поиска видимый текст «Поиск… Ctrl+K», а имя «Поиск»: имя берётся из текста (WCAG 2.5.3)
SEARCH_FIELD = re.compile(r'(class="btn search-button-field[^"]*" title="[^"]*") aria-label="[^"]*"')


def _translate(text: str) -> str:
    for old, new in THEME_STRINGS.items():
        text = text.replace(old, new)
    text = SOURCE_BUTTON.sub(
        rf'href="\1{ARCHIVE}" download\3 title="Скачать курс: уроки, пакет cnn_course и make lab"\4'
        '<span class="btn__text-container">курс .zip</span>',
        text,
    )
    return SEARCH_FIELD.sub(r"\1", text)


def finish(app: Sphinx, exception) -> None:
    """Архив курса, тексты поиска и русские строки темы во всех страницах."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    course_archive(outdir / ARCHIVE)
    for path in outdir.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        new = _translate(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
    static = outdir / "_static"
    static.mkdir(exist_ok=True)
    docnames = sorted(app.env.found_docs)
    (static / "search-text.js").write_text(search_texts(outdir, docnames), encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.add_config_value("cnn_book_executed", "", "env", types=frozenset({str}))
    app.connect("config-inited", prepare_sources)
    app.connect("source-read", edit_source)
    app.connect("doctree-read", scrub_doctree)
    app.connect("doctree-read", readable_anchors, priority=400)  # до оглавления страницы (500)
    app.connect("doctree-read", lesson_figures, priority=400)  # до сборщика картинок Sphinx (500)
    app.connect("doctree-read", book_only_text)
    app.connect("html-page-context", page_context)
    app.connect("build-finished", finish)
    app.connect("html-page-context", scrub_js_files, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
