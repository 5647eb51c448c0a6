"""HTML-издание: книга собирается из уроков, выполненных в обычном режиме (фикстура default_runs,
уроки не выполняются второй раз), затем открывается в Chromium без сети."""

from __future__ import annotations

import re
import subprocess
import sys

import _browser
import pytest

from cnn_course.lessons import LESSONS as REGISTRY

pytestmark = pytest.mark.browser
LESSONS = [lesson.file for lesson in REGISTRY]
WITH_WIDGETS = [lesson.file for lesson in REGISTRY if lesson.widgets]


@pytest.fixture(scope="module")
def book(tmp_path_factory, executed_default):
    _browser.require_browser()
    out = tmp_path_factory.mktemp("book")
    done = subprocess.run(
        [
            sys.executable,
            str(_browser.ROOT / "tools" / "build_book.py"),
            "--out",
            str(out),
            "--executed",
            str(executed_default),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def offline_page(book):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(_browser.CHROMIUM), args=_browser.CHROMIUM_ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
        outside = []

        def guard(route):
            url = route.request.url
            if url.startswith(("file://", "data:", "blob:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        yield page, outside, errors
        browser.close()


def test_book_files_have_no_cdn_links(book):
    assert (book / "index.html").is_file()
    for name in LESSONS:
        text = (book / name.replace(".ipynb", ".html")).read_text(encoding="utf-8")
        assert not re.search(r"cdn\.jsdelivr|cdnjs\.cloudflare|unpkg\.com", text), name
        assert 'src="static/' in text


def test_index_links_to_every_lesson_in_order(book, offline_page):
    page, outside, _ = offline_page
    page.goto((book / "index.html").as_uri())
    links = page.locator("ol li a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == [n.replace(".ipynb", ".html") for n in LESSONS]
    assert "Свёрточные нейронные сети" in page.locator("h1").inner_text()
    assert page.evaluate(_browser.CYRILLIC_CHECK)
    assert outside == []


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_page_works_offline(book, offline_page, name):
    page, outside, errors = offline_page
    page.goto((book / name.replace(".ipynb", ".html")).as_uri())
    page.wait_for_load_state("load")
    # рисунки: PNG из выводов ячеек действительно декодированы
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea-output img')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length > 0",
        timeout=30_000,
    )
    # формулы: MathJax (локальный) отрисовал их
    page.wait_for_function(
        "() => document.querySelectorAll('.MathJax_CHTML, mjx-container').length > 0", timeout=60_000
    )
    text = page.locator("body").inner_text()
    assert "Урок" in text
    if name in WITH_WIDGETS:
        page.wait_for_function(
            "() => document.querySelectorAll('.widget-slider, .jupyter-widgets.widget-inline-hbox').length > 0",
            timeout=60_000,
        )
        assert page.locator(".cc-explorer").count() >= 1
        assert not re.search(r"(IntSlider|FloatSlider|Explorer|VBox)\(", text), "виджет показан текстом"
    assert outside == [], f"страница пыталась выйти в сеть: {outside[:3]}"
    assert errors == [], errors[:3]
