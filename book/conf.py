"""Настройки книги курса (Sphinx + MyST-NB + sphinx-book-theme).

Сборка — ``make book``; вручную: ``sphinx-build -c book build/book-src build/book``. Папку
исходников ``build/book-src`` заполняет расширение ``cnn_book`` (рядом): страницы из ``book/``,
README и уроки из реестра ``cnn_course.lessons``. Режим выполнения уроков — переменная
``CNN_COURSE_MODE`` (обычный по умолчанию); ``-D cnn_book_executed=DIR`` берёт уроки, уже
выполненные ``tools/run_lessons.py``, и не выполняет их заново.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cnn_book

project = "Свёрточные нейронные сети на PyTorch"
author = "авторы курса cnn-course"
copyright = "авторы курса cnn-course, лицензия MIT"
language = "ru"

extensions = ["myst_nb", "sphinxcontrib.bibtex", "cnn_book"]
exclude_patterns = ["README.md", "lessons/data/**", "**/.ipynb_checkpoints", "jupyter_execute"]

# MyST: формулы в $…$ и $$…$$, ссылки из голых адресов, якоря у заголовков; без «умных» кавычек
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "linkify"]
myst_heading_anchors = 3
myst_linkify_fuzzy_links = False

# Уроки: выполнение с кешем (повторная сборка без изменений не выполняет уроки заново)
nb_execution_mode = "cache"
nb_execution_timeout = 3600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_ipywidgets_js = cnn_book.WIDGETS_JS

# Литература
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"

# Формулы: MathJax 3 из _static/ (скачивается расширением), без сети
mathjax_path = cnn_book.MATHJAX_JS
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]}}

# Страницы
html_theme = "sphinx_book_theme"
html_title = project
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
# поиск работает из searchindex.js; отрывки страниц Sphinx загружает через fetch(), а с file:// это
# запрещено — cnn_book кладёт тексты страниц в _static/search-text.js и отвечает на эти запросы сам
html_show_search_summary = True
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    # кнопка скачивания — только «печать в PDF» (исходников в книге нет; архив курса — в заметке урока)
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_navbar_depth": 1,
    "logo": {"text": project},
    # подвал без строки «Автор: …» (авторы — в строке об авторских правах)
    "footer_content_items": ["copyright.html", "last-updated.html", "extra-footer.html"],
}
html_static_path = ["_static"]
# после настроек MathJax (приоритет 500), но до самого MathJax (он грузится с defer)
html_js_files = [("cc-book.js", {"priority": 510})]
html_css_files = ["cc-book.css"]
