"""HTML-издание курса: выполнить уроки, сохранить состояние виджетов, собрать страницы и оглавление.

Запуск: make book (обычный режим; другой — переменной CNN_COURSE_MODE) или
``build_book.py --executed DIR`` — из уроков, уже выполненных tools/run_lessons.py.
Результат: build/book/index.html + страницы уроков + static/ — все скрипты лежат рядом
(require.js, менеджер виджетов @jupyter-widgets/html-manager, MathJax 2), поэтому книга
открывается и работает без сети. Скрипты один раз скачиваются из реестра npm (tar-архивы,
сверка SHA-512) в build/.book-vendor/ — нужен только Python.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import html
import io
import json
import re
import shutil
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnn_course.lessons import LESSONS  # noqa: E402
from cnn_course.settings import MODE_NAMES, run_mode  # noqa: E402

REGISTRY = "https://registry.npmjs.org"
# пакет npm → (версия, какие пути взять из package/, куда положить в static/)
VENDOR = {
    "@jupyter-widgets/html-manager": ("1.0.15", ["dist/"], "html-manager"),
    "requirejs": ("2.3.7", ["require.js"], "requirejs"),
    "mathjax": (
        "2.7.9",
        [
            "MathJax.js",
            "config/TeX-AMS_CHTML-full.js",
            "extensions/",
            "jax/input/TeX/",
            "jax/element/",
            "jax/output/CommonHTML/",
            "fonts/HTML-CSS/TeX/woff/",
            "localization/en/",
        ],
        "mathjax",
    ),
}
CDN_MARKERS = ("cdnjs.cloudflare.com", "cdn.jsdelivr.net", "unpkg.com")


def fetch_vendor(cache: Path, timeout: float = 60.0) -> Path:
    """Скачивает (один раз) и распаковывает нужные файлы пакетов npm в ``cache``."""
    for name, (version, wanted, target) in VENDOR.items():
        dest = cache / target
        stamp = dest / f".{version}"
        if stamp.exists():
            continue
        meta_url = f"{REGISTRY}/{name.replace('/', '%2f')}/{version}"
        with urllib.request.urlopen(meta_url, timeout=timeout) as r:
            dist = json.load(r)["dist"]
        with urllib.request.urlopen(dist["tarball"], timeout=timeout) as r:
            blob = r.read()
        algo, _, expected = dist["integrity"].partition("-")
        actual = base64.b64encode(hashlib.new(algo, blob).digest()).decode()
        if actual != expected:
            raise RuntimeError(f"{name}@{version}: контрольная сумма архива не совпала")
        if dest.exists():
            shutil.rmtree(dest)
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
                if (
                    not member.isfile()
                    or rel.endswith(".map")
                    or not any(rel == w or (w.endswith("/") and rel.startswith(w)) for w in wanted)
                ):
                    continue
                out = dest / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(member).read())
        stamp.write_text(version)
    return cache


def execute(src: Path, run_dir: Path, timeout: int):
    """Выполняет урок в ``run_dir`` и сохраняет состояние виджетов в метаданные."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(run_dir)}},
    )
    client.execute()
    return nb


def inline_markdown(text: str) -> str:
    """`код` → <code>код</code>, остальное экранируется."""
    parts = re.split(r"(`[^`]+`)", text)
    return "".join(f"<code>{html.escape(p[1:-1])}</code>" if p.startswith("`") else html.escape(p) for p in parts)


def render(nb, title: str) -> str:
    """Страница урока: шаблон lab, все адреса скриптов — локальные (static/)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        require_js_url="static/requirejs/require.js",
        mathjax_url="static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        widget_renderer_url="static/html-manager/dist/embed-amd.js",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    nav = '<nav style="padding:8px 16px;font-family:sans-serif"><a href="index.html">← Оглавление курса</a></nav>'
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)


INDEX = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>Свёрточные нейронные сети на PyTorch — курс</title>
<style>
body {{ font-family: "DejaVu Sans", sans-serif; max-width: 860px; margin: 40px auto; padding: 0 16px;
       line-height: 1.5; color: #222; }}
li {{ margin-bottom: 14px; }} a {{ font-size: 1.15em; }} code {{ background: #f3f3f3; padding: 0 3px; }}
.meta {{ color: #666; font-size: 0.9em; }}
</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{ tex2jax: {{ inlineMath: [["$", "$"]], processEscapes: true }}, messageStyle: "none" }});
</script>
<script src="static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script>
</head>
<body>
<h1>Свёрточные нейронные сети на PyTorch</h1>
<p>Интерактивный курс на русском языке. Это HTML-издание: уроки уже выполнены, рисунки и последнее
состояние ползунков сохранены в страницах, и всё работает без сети. Чтобы двигать ползунки и
запускать код, откройте уроки в JupyterLab (<code>make lab</code>).</p>
<ol>
{items}
</ol>
<p class="meta">Собрано {date}, режим: {mode}.</p>
</body></html>
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Собрать HTML-издание курса в build/book/.")
    parser.add_argument("--out", default=str(ROOT / "build" / "book"), help="папка книги (build/book)")
    parser.add_argument("--timeout", type=int, default=3600, help="тайм-аут одной ячейки, с")
    parser.add_argument(
        "--executed",
        default=None,
        help="папка с уже выполненными уроками (tools/run_lessons.py --out): не выполнять заново",
    )
    args = parser.parse_args(argv)
    mode = run_mode()
    out = Path(args.out)
    lessons = [(lesson.file, lesson.title, lesson.summary) for lesson in LESSONS]
    executed = Path(args.executed) if args.executed else None
    if executed is not None:
        missing = [name for name, _, _ in lessons if not (executed / name).is_file()]
        if missing:
            print(f"--executed: в {executed} нет выполненных уроков {missing}", file=sys.stderr)
            return 2
    vendor = fetch_vendor(ROOT / "build" / ".book-vendor")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(vendor, out / "static", ignore=shutil.ignore_patterns(".[0-9]*"))
    run_dir = ROOT / "build" / "book-run"
    run_dir.mkdir(parents=True, exist_ok=True)
    items = []
    for name, title, about in lessons:
        start = time.perf_counter()
        if executed is not None:
            import nbformat

            nb = nbformat.read(executed / name, as_version=4)
        else:
            nb = execute(ROOT / "notebooks" / name, run_dir, args.timeout)
        page = render(nb, title)
        leaks = [m for m in CDN_MARKERS if m in page]
        if leaks:
            print(f"{name}: в странице остались адреса CDN {leaks}", file=sys.stderr)
            return 1
        html_name = name.replace(".ipynb", ".html")
        (out / html_name).write_text(page, encoding="utf-8")
        items.append(f'<li><a href="{html_name}">{html.escape(title)}</a><br>{inline_markdown(about)}</li>')
        print(f"{name}: {time.perf_counter() - start:.0f} с → {out / html_name}")
    (out / "index.html").write_text(
        INDEX.format(
            items="\n".join(items),
            date=datetime.date.today().strftime("%d.%m.%Y"),
            mode=MODE_NAMES[mode] if executed is None else "уроки выполнены заранее",
        ),
        encoding="utf-8",
    )
    print(f"Книга готова: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
