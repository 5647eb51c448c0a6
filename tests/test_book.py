"""Книга курса (Sphinx + MyST-NB + sphinx-book-theme): одна сборка из уроков, уже выполненных в
обычном режиме (фикстура executed_default — уроки не выполняются второй раз), затем сайт
открывается в Chromium с отрезанной сетью.

Проверяется: поиск находит «свёртка» и «пулинг» на своих уроках; все внутренние ссылки ведут на
существующие файлы и якоря; у уроков есть ссылки «назад/далее» и литература; формулы набраны
(нет сырых ``\\(``, ``$$``, ``\\_``); каждая картинка декодирована и не растянута; анимации
(``img.cc-animation``) двигаются; каждый виджет отрисован менеджером виджетов; ни одного запроса
за пределы ``file://`` и ни одного неудачного; в страницах нет путей машины сборщика.

Тест читателей (книга для каждого читателя): в Chromium шириной 1400 и 1100 px и на телефоне
390 × 844, в светлой и тёмной теме каждая страница проверяется axe-core (все правила, кроме AAA; в
тёмной теме — правила цвета: разметка та же), 0 нарушений уровня serious и critical; страница не шире
экрана, картинки сохраняют пропорции (± 2 %), у ползунков есть имена, при ``prefers-reduced-motion``
анимации стоят; на телефоне кнопки ☰ и «Содержание» открывают список уроков и содержание страницы;
поиск показывает отрывок с выделенным словом; при печати код не обрезается; вес страницы урока (сумма
файлов, которые она загружает) — не больше бюджета ``PAGE_BUDGET``; архив курса на месте.
Один браузер и одна сборка книги на весь модуль: обход всех режимов — одна фикстура ``readers``.

Правило «картинка не растянута»: показанная ширина ≤ 1,05 × naturalWidth у любой картинки; у
картинок виджетов курса (``img.widget-image`` с шириной из ``layout.width``) PNG нарисован с
плотностью 2× (``cnn_course.plotting.render_png``), поэтому для них ≤ 1,05 × naturalWidth / 2.
"""

from __future__ import annotations

import html.parser
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import _browser
import pytest

from cnn_course.lessons import LESSONS as REGISTRY

sys.path.insert(0, str(_browser.ROOT / "book"))
import cnn_book_vendor as vendor

pytestmark = pytest.mark.browser
ROOT = _browser.ROOT
PAGES = {lesson.file: f"lessons/{lesson.stem}.html" for lesson in REGISTRY}
WITH_WIDGETS = [lesson.file for lesson in REGISTRY if lesson.widgets]
BIBLIOGRAPHY = [
    "A guide to convolution arithmetic for deep learning",
    "Very Deep Convolutional Networks",
    "Batch Normalization",
    "Making Convolutional Networks Shift-Invariant Again",
    "Dive into Deep Learning",
    "CS231n",
    "Deep Residual Learning",
]
# сырой TeX вне кода: MathJax не набрал формулу или Markdown оставил обратную косую черту
RAW_TEX = re.compile(r"\\[()\[\]_]|\$\$|\\(?:frac|sum|text|mathrm|lfloor|sqrt|cdot|omega|sigma)\b")
BASE64 = re.compile(r"[A-Za-z0-9+/=]{200,}")  # картинки и состояние виджетов: случайные «/tmp/» не в счёт


@pytest.fixture(scope="module")
def book(tmp_path_factory, executed_default) -> Path:
    _browser.require_browser()
    # скрипты из npm (сверка SHA-256) — отдельным шагом до сборки: сама сборка обходится без сети
    vendor.fetch(vendor.SITE)
    vendor.fetch(vendor.TESTING)
    work = tmp_path_factory.mktemp("book")
    (work / "src").mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-q",
            "-W",
            "--keep-going",
            "-c",
            str(ROOT / "book"),
            "-d",
            str(work / "doctrees"),
            "-D",
            f"cnn_book_executed={executed_default}",
            str(work / "src"),
            str(work / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, "сборка книги не удалась:\n" + done.stdout[-3000:] + done.stderr[-3000:]
    return work / "html"


@pytest.fixture(scope="module")
def browser(book):
    """Один Chromium на весь модуль: каждая ширина и тема — свой контекст в нём."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(_browser.CHROMIUM), args=_browser.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _guarded_context(browser, **options):
    """Контекст без сети: всё, что не file://, data: или blob:, обрывается и записывается."""
    context = browser.new_context(offline=True, **options)
    log = {"outside": [], "failed": [], "errors": []}

    def guard(route):
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:")):
            route.continue_()
        else:
            log["outside"].append(url)
            route.abort()

    context.route("**/*", guard)
    return context, log


@pytest.fixture(scope="module")
def browser_page(browser):
    """Страница Chromium 1300 × 900 для проверок содержания."""
    context, log = _guarded_context(browser, viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.on("requestfailed", lambda request: log["failed"].append(f"{request.url} ({request.failure})"))
    page.on("pageerror", lambda err: log["errors"].append(str(err)))
    yield page, log
    context.close()


def _open(page, book: Path, name: str) -> None:
    page.goto((book / name).as_uri())
    page.wait_for_load_state("load")
    # MathJax 3 (если страница его грузит) набрал все формулы страницы
    page.wait_for_function(
        "() => !document.querySelector('script[src*=\"mathjax/\"]') || (window.MathJax && MathJax.startup"
        " && MathJax.startup.promise)",
        timeout=30_000,
    )
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")


def _no_trouble(log: dict, where: str) -> None:
    assert log["outside"] == [], f"{where}: запросы в сеть: {log['outside'][:3]}"
    assert log["failed"] == [], f"{where}: неудачные запросы: {log['failed'][:3]}"
    assert log["errors"] == [], f"{where}: ошибки JavaScript: {log['errors'][:3]}"


# --- файлы ---------------------------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_internal_link_resolves(book):
    pages = sorted(book.rglob("*.html"))
    assert {p.relative_to(book).as_posix() for p in pages} >= {"index.html", "literature.html", *PAGES.values()}
    parsed = {page: _parse(page) for page in pages}
    broken = []
    for page, links in parsed.items():
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(book)}: {href}")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(book)}: {href} (нет якоря)")
    assert not broken, "ссылки никуда не ведут:\n" + "\n".join(broken[:20])


def test_no_builder_paths_and_no_cdn(book, executed_default):
    markers = {str(ROOT), str(executed_default), tempfile.gettempdir().rstrip("/") + "/", "/tmp/", str(book.parent)}
    home = str(Path.home())
    if home not in ("/", ""):
        markers.add(home + "/")
    found = []
    for path in [*book.rglob("*.html"), book / "searchindex.js"]:
        text = BASE64.sub("", path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(book)}: {m!r}" for m in sorted(markers) if m in text]
        if re.search(r"cdn\.jsdelivr|cdnjs\.cloudflare|unpkg\.com", text):
            found.append(f"{path.relative_to(book)}: адрес CDN")
    assert not found, "\n".join(found[:20])


def test_pages_are_russian_and_sources_not_copied(book):
    for name in ["index.html", *PAGES.values()]:
        assert '<html lang="ru"' in (book / name).read_text(encoding="utf-8"), name
    assert not (book / "_sources").exists() or not any((book / "_sources").iterdir())


# --- в браузере ----------------------------------------------------------------------------------


def test_start_page_is_readme_and_lessons_in_registry_order(book, browser_page):
    page, log = browser_page
    _open(page, book, "index.html")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    title = readme.splitlines()[0].lstrip("# ").strip()
    assert page.locator("article h1").first.inner_text().strip() == title
    article = page.locator("article").inner_text()
    assert "Что нужно знать заранее" in article
    assert "Две команды" not in article, "стартовая страница — только описание курса из README"
    hrefs = page.eval_on_selector_all("article a[href^='lessons/']", "els => els.map(a => a.getAttribute('href'))")
    assert hrefs == list(PAGES.values())
    nav = page.eval_on_selector_all("nav.bd-docs-nav a", "els => els.map(a => a.getAttribute('href'))")
    assert [h for h in nav if h.startswith("lessons/")] == list(PAGES.values())
    assert "literature.html" in nav
    assert page.evaluate(_browser.CYRILLIC_CHECK)
    _no_trouble(log, "index.html")


@pytest.mark.parametrize("word, lesson", [("свёртка", "01_convolution.ipynb"), ("пулинг", "02_pooling.ipynb")])
def test_search_finds_word_on_its_lesson(book, browser_page, word, lesson):
    page, log = browser_page
    page.goto((book / "search.html").as_uri() + f"?q={word}")
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li a').length > 0", timeout=30_000
    )
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(a => a.getAttribute('href').split(/[?#]/)[0])"
    )
    assert hrefs[0] == PAGES[lesson], f"«{word}»: первым найден {hrefs[0]}, все: {hrefs}"
    _no_trouble(log, f"search.html?q={word}")


def test_literature_page_lists_bibliography(book, browser_page):
    page, log = browser_page
    _open(page, book, "literature.html")
    text = page.locator("article").inner_text()
    missing = [title for title in BIBLIOGRAPHY if title.lower() not in text.lower()]
    assert not missing, f"на странице «Литература» нет: {missing}"
    _no_trouble(log, "literature.html")


IMAGES_JS = """async () => {
  const out = [];
  for (const img of document.querySelectorAll('article img')) {
    img.loading = 'eager';
    img.scrollIntoView();
    try { await img.decode(); } catch (e) {}
    out.push({
      src: img.currentSrc.slice(0, 80), cls: img.className, natural: img.naturalWidth,
      shown: img.getBoundingClientRect().width, display: getComputedStyle(img).display,
      dense: img.classList.contains('widget-image') && /px$/.test(img.style.width),
    });
  }
  return out;
}"""

PROSE_JS = """() => {
  const copy = document.querySelector('article').cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .jupyter-widgets').forEach(e => e.remove());
  return copy.textContent;
}"""

WIDGETS_JS = """() => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
  .map(s => ({id: JSON.parse(s.textContent).model_id,
              rendered: !!s.parentElement.querySelector('.jupyter-widgets:not(.jupyter-widgets-error)'),
              error: !!s.parentElement.querySelector('.jupyter-widgets-error, .widget-error')}))"""


@pytest.mark.parametrize("name", list(PAGES), ids=[lesson.stem for lesson in REGISTRY])
def test_lesson_page_offline(book, browser_page, name):
    page, log = browser_page
    _open(page, book, PAGES[name])
    index = list(PAGES).index(name)

    # навигация: «назад» и «далее» по реестру уроков, одна заметка о статичности, ссылки на литературу
    prev_href = page.eval_on_selector_all("a.left-prev", "els => els.map(a => a.getAttribute('href'))")
    next_href = page.eval_on_selector_all("a.right-next", "els => els.map(a => a.getAttribute('href'))")
    expected_prev = "../index.html" if index == 0 else Path(list(PAGES.values())[index - 1]).name
    expected_next = "../literature.html" if index == len(PAGES) - 1 else Path(list(PAGES.values())[index + 1]).name
    assert prev_href == [expected_prev] and next_href == [expected_next], (prev_href, next_href)
    notes = page.locator(".admonition.note").filter(has_text="JupyterLab")
    assert notes.count() == 1, "заметка «ползунки двигаются только в JupyterLab» должна быть ровно одна"
    assert page.locator("a[href^='../literature.html#']").count() >= 1, "нет ссылок на страницу «Литература»"
    assert page.locator("#pst-page-toc-nav a, .bd-toc-nav a").count() >= 3, "нет оглавления страницы"

    # формулы набраны, сырого TeX в тексте нет
    assert page.locator("mjx-container").count() > 0
    prose = page.evaluate(PROSE_JS)
    raw = [m.group(0) for m in RAW_TEX.finditer(prose)]
    assert not raw, f"ненабранный TeX: {raw[:5]}"

    # виджеты: менеджер заменил каждый заполнитель отрисованным виджетом
    if name in WITH_WIDGETS:
        page.wait_for_function(
            "() => [...document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]')]"
            ".every(s => s.parentElement.querySelector('.jupyter-widgets'))",
            timeout=60_000,
        )
        widgets = page.evaluate(WIDGETS_JS)
        assert widgets, "в уроке с обозревателями нет ни одного виджета"
        assert all(w["rendered"] and not w["error"] for w in widgets), [w for w in widgets if not w["rendered"]]
        assert page.locator(".widget-slider, .widget-hslider").count() >= 1
        page.evaluate("() => MathJax.startup.promise")

    # картинки декодированы и не растянуты
    images = page.evaluate(IMAGES_JS)
    assert images, "в уроке нет ни одной картинки"
    bad = []
    for img in images:
        if img["display"] == "none":
            continue
        limit = 1.05 * img["natural"] / (2 if img["dense"] else 1)
        if img["natural"] == 0 or img["shown"] > limit:
            bad.append(img)
    assert not bad, f"картинки не декодированы или растянуты: {bad[:3]}"

    # анимации (GIF урока) двигаются: два снимка через 1,2 с различаются
    animations = page.locator("img.cc-animation")
    for i in range(animations.count()):
        shot = animations.nth(i)
        shot.scroll_into_view_if_needed()
        first = shot.screenshot()
        page.wait_for_timeout(1200)
        assert shot.screenshot() != first, f"анимация {i + 1} в {name} стоит на месте"

    _no_trouble(log, PAGES[name])


# --- тест читателей: ширины, темы, доступность, телефон, вес страниц ----------------------------

# (имя, параметры контекста Chromium)
SCREENS = {
    "1400": {"viewport": {"width": 1400, "height": 900}},
    "1100": {"viewport": {"width": 1100, "height": 900}},
    "390": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}
THEMES = ["light", "dark"]
READER_PAGES = ["index.html", *PAGES.values(), "literature.html", "search.html?q=пулинг"]
# бюджет веса страницы урока: сумма файлов, которые она загружает (без сжатия — file://), байт
PAGE_BUDGET = 10_500_000

# Все правила axe-core, кроме уровня AAA (контраст 7 : 1 и т. п.; требование курса — AA). В тёмной теме
# та же разметка, меняются только цвета: там — правила цвета (остальные дали бы тот же ответ, что в светлой).
COLOR_RULES = ["color-contrast", "link-in-text-block"]
AXE_JS = """async (colorsOnly) => {
  const rules = Object.fromEntries(axe.getRules().map(r => [r.ruleId,
    {enabled: !r.tags.includes('wcag2aaa') && (!colorsOnly || colorsOnly.includes(r.ruleId))}]));
  const result = await axe.run(document, {rules, resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, count: v.nodes.length,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').slice(0, 150))
  }));
}"""

ASPECT_JS = """async () => {
  const out = [];
  for (const img of document.querySelectorAll('article img')) {
    img.loading = 'eager';
    try { await img.decode(); } catch (e) {}
    // размер самой картинки: без полей и рамки (тёмная тема кладёт рисунки выводов на подложку с полями)
    const box = img.getBoundingClientRect(), css = getComputedStyle(img);
    const px = (name) => parseFloat(css[name]) || 0;
    const w = box.width - px('paddingLeft') - px('paddingRight') - px('borderLeftWidth') - px('borderRightWidth');
    const h = box.height - px('paddingTop') - px('paddingBottom') - px('borderTopWidth') - px('borderBottomWidth');
    if (css.display === 'none' || w < 40 || h < 40 || !img.naturalWidth) continue;
    const natural = img.naturalWidth / img.naturalHeight, shown = w / h;
    out.push({src: img.currentSrc.slice(0, 60), alt: img.alt.slice(0, 40), natural, shown,
              error: Math.abs(shown / natural - 1)});
  }
  return out;
}"""


def _ready(page, book: Path, name: str) -> None:
    """Страница загружена, формулы набраны, виджеты отрисованы."""
    page.goto((book / name.split("?")[0]).as_uri() + ("?" + name.split("?")[1] if "?" in name else ""))
    _open_loaded(page)
    if name.startswith("search.html"):
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results ul.search li').length > 0", timeout=30_000
        )
    page.wait_for_function(
        "() => [...document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]')]"
        ".every(s => s.parentElement.querySelector('.jupyter-widgets'))",
        timeout=60_000,
    )


def _open_loaded(page) -> None:
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !document.querySelector('script[src*=\"mathjax/\"]') || (window.MathJax && MathJax.startup"
        " && MathJax.startup.promise)",
        timeout=30_000,
    )
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")


def _phone_menus(page) -> dict:
    """На телефоне: ☰ открывает список уроков, «Содержание» — разделы страницы."""
    out = {}
    page.locator(".primary-toggle:visible").first.click()
    page.wait_for_timeout(300)
    out["primary_open"] = page.evaluate("() => !!document.querySelector('#pst-primary-sidebar-modal[open]')")
    out["primary_text"] = page.locator("#pst-primary-sidebar-modal").inner_text()
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    page.locator(".secondary-toggle:visible").first.click()
    page.wait_for_timeout(300)
    out["secondary_open"] = page.evaluate("() => !!document.querySelector('#pst-secondary-sidebar-modal[open]')")
    out["secondary_links"] = page.locator("#pst-secondary-sidebar-modal a[href^='#']:visible").count()
    page.keyboard.press("Escape")
    return out


@pytest.fixture(scope="module")
def readers(book, browser):
    """Обход книги глазами читателей: каждая страница × 3 ширины × 2 темы — один раз на модуль."""
    axe_js = vendor.axe_js()
    assert axe_js.is_file(), f"нет {axe_js}: python book/cnn_book_vendor.py"
    results = {"pages": {}, "menus": {}, "weights": {}, "search": None, "log": [], "seconds": 0.0}
    started = time.monotonic()
    for screen, options in SCREENS.items():
        for theme in THEMES:
            context, log = _guarded_context(browser, color_scheme=theme, reduced_motion="reduce", **options)
            page = context.new_page()
            page.on("pageerror", lambda err, log=log: log["errors"].append(str(err)))
            loaded: set[str] = set()
            page.on("requestfinished", lambda request, loaded=loaded: loaded.add(request.url))
            for name in READER_PAGES:
                loaded.clear()
                _ready(page, book, name)
                width = options["viewport"]["width"]
                entry = {
                    "theme": page.evaluate("() => document.documentElement.dataset.theme"),
                    "scroll_width": page.evaluate("() => document.documentElement.scrollWidth"),
                    "width": width,
                    "images": page.evaluate(ASPECT_JS),
                    # ползунки с именем для экранного диктора (axe примет и строку «null»)
                    "unnamed": page.evaluate(
                        "() => [...document.querySelectorAll('[role=slider]')]"
                        ".map(e => (e.getAttribute('aria-label') || '').trim())"
                        ".filter(name => !name || name === 'null').length"
                    ),
                    # prefers-reduced-motion: анимации стоят (последний кадр), у каждой — кнопка запуска
                    "moving": page.evaluate(
                        "() => [...document.querySelectorAll('img.cc-animation')]"
                        ".filter(img => img.dataset.playing !== '0' || !img.nextElementSibling"
                        " || !img.nextElementSibling.matches('button.cc-anim-toggle')).length"
                    ),
                }
                page.add_script_tag(path=str(axe_js))
                entry["axe"] = page.evaluate(AXE_JS, COLOR_RULES if theme == "dark" else None)
                results["pages"][(screen, theme, name)] = entry
                if screen == "1400" and theme == "light" and name in PAGES.values():
                    files = {unquote(urlsplit(u).path) for u in loaded if u.startswith("file://")}
                    results["weights"][name] = sum(Path(f).stat().st_size for f in files if Path(f).is_file())
                if screen == "1400" and theme == "light" and name in PAGES.values():
                    # печать: длинные строки кода и выводов переносятся, а не обрезаются полем
                    page.emulate_media(media="print")
                    entry["print_overflow"] = page.evaluate(
                        "() => [...document.querySelectorAll('article pre')]"
                        ".filter(p => p.scrollWidth > p.clientWidth + 1).length"
                    )
                    page.emulate_media(media="screen")
                if screen == "390" and name == PAGES[REGISTRY[-1].file]:
                    results["menus"][theme] = _phone_menus(page)
            if screen == "1400" and theme == "light":
                page.goto((book / "search.html").as_uri() + "?q=свёртка")
                page.wait_for_function(
                    "() => document.querySelectorAll('#search-results ul.search li p.context').length > 0",
                    timeout=30_000,
                )
                results["search"] = page.evaluate(
                    """() => [...document.querySelectorAll('#search-results ul.search li')].map(li => ({
                        href: li.querySelector('a').getAttribute('href'),
                        context: (li.querySelector('p.context') || {textContent: ''}).textContent,
                        highlighted: li.querySelectorAll('p.context span.highlighted').length}))"""
                )
            results["log"].append((screen, theme, log))
            context.close()
    results["seconds"] = time.monotonic() - started
    print(f"\nтест читателей: {len(results['pages'])} страниц за {results['seconds']:.0f} с")
    return results


def test_readers_axe_no_serious_violations(readers):
    bad = {
        f"{screen}/{theme}/{name}": entry["axe"]
        for (screen, theme, name), entry in readers["pages"].items()
        if entry["axe"]
    }
    tally = {}
    for key, violations in bad.items():
        mode = "/".join(key.split("/")[:2])
        tally[mode] = tally.get(mode, 0) + sum(v["count"] for v in violations)
    assert not bad, f"axe-core: нарушения serious/critical {tally}:\n" + json.dumps(
        dict(list(bad.items())[:6]), ensure_ascii=False, indent=1
    )


def test_readers_print_wraps_code(readers):
    cut = {n: e["print_overflow"] for (s, t, n), e in readers["pages"].items() if e.get("print_overflow")}
    assert not cut, f"при печати строки кода обрезаются (блоков): {cut}"


def test_readers_sliders_have_names(readers):
    unnamed = {f"{s}/{t}/{n}": e["unnamed"] for (s, t, n), e in readers["pages"].items() if e["unnamed"]}
    assert not unnamed, f"ползунки без имени: {unnamed}"


def test_readers_themes_applied_and_offline(readers):
    for (screen, theme, name), entry in readers["pages"].items():
        assert entry["theme"] == theme, f"{screen}/{name}: тема {entry['theme']}, ожидалась {theme}"
    for screen, theme, log in readers["log"]:
        _no_trouble(log, f"{screen}/{theme}")


def test_readers_animations_still_when_motion_reduced(readers):
    moving = {f"{s}/{t}/{n}": e["moving"] for (s, t, n), e in readers["pages"].items() if e["moving"]}
    assert not moving, f"анимации двигаются при prefers-reduced-motion или без кнопки: {moving}"


def test_readers_no_page_wider_than_screen(readers):
    wide = [
        f"{screen}/{theme}/{name}: {entry['scroll_width']} px при экране {entry['width']} px"
        for (screen, theme, name), entry in readers["pages"].items()
        if entry["scroll_width"] > entry["width"]
    ]
    assert not wide, "страница шире экрана:\n" + "\n".join(wide[:10])


def test_readers_images_keep_aspect_ratio(readers):
    squashed = [
        f"{screen}/{theme}/{name}: {img['alt'] or img['src']} — {img['error']:.1%}"
        for (screen, theme, name), entry in readers["pages"].items()
        for img in entry["images"]
        if img["error"] > 0.02
    ]
    checked = sum(len(entry["images"]) for entry in readers["pages"].values())
    assert checked > 0
    assert not squashed, "картинки сжаты по одной оси (± 2 %):\n" + "\n".join(squashed[:10])


@pytest.mark.parametrize("theme", THEMES)
def test_readers_phone_menus_open(readers, theme):
    menus = readers["menus"][theme]
    assert menus["primary_open"], f"☰ не открыл список уроков: {menus}"
    missing = [lesson.title for lesson in REGISTRY if lesson.title not in menus["primary_text"]]
    assert not missing, f"в списке уроков телефона нет: {missing}"
    assert menus["secondary_open"] and menus["secondary_links"] >= 3, f"«Содержание» не открылось: {menus}"


def test_readers_search_shows_snippet_with_word(readers):
    results = readers["search"]
    assert results, "поиск «свёртка» ничего не нашёл"
    first = results[0]
    assert first["href"].split("#")[0].split("?")[0] == PAGES["01_convolution.ipynb"], results[:2]
    assert re.search(r"св[её]ртк", first["context"], re.IGNORECASE), f"в отрывке нет слова: {first['context'][:200]!r}"
    assert first["highlighted"] >= 1, "найденное слово в отрывке не выделено"


def test_readers_lesson_page_weight_within_budget(readers):
    weights = readers["weights"]
    assert set(weights) == set(PAGES.values())
    print("\nвес страниц уроков, МБ: " + ", ".join(f"{Path(k).stem} {v / 1e6:.2f}" for k, v in weights.items()))
    heavy = {name: weight for name, weight in weights.items() if weight > PAGE_BUDGET}
    assert not heavy, f"страницы тяжелее бюджета {PAGE_BUDGET / 1e6:.1f} МБ: {heavy}"


def test_course_archive_runs_a_lesson_locally(book):
    """Заметка урока ведёт к архиву курса: уроки, пакет и всё, что нужно команде make lab."""
    archive = book / "cnn-course.zip"
    assert archive.is_file()
    names = set(zipfile.ZipFile(archive).namelist())
    wanted = {
        "README.md",
        "Makefile",
        "pyproject.toml",
        "constraints.txt",
        "cnn_course/__init__.py",
        "tools/lab_settings.py",
    } | {f"notebooks/{lesson.file}" for lesson in REGISTRY}
    missing = {name for name in wanted if f"cnn-course/{name}" not in names}
    assert not missing, f"в архиве курса нет: {sorted(missing)}"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    for lesson in REGISTRY:
        page = (book / PAGES[lesson.file]).read_text(encoding="utf-8")
        assert 'href="../cnn-course.zip"' in page, f"{lesson.file}: нет ссылки на архив курса"
