"""Русская типографика в тексте курса: Markdown-ячейки всех уроков, README и тексты упражнений.

Правила (см. раздел «Словарь» в README и STYLE.md):

- десятичная запятая в прозе (точка — только в коде, `коде в строке` и формулах);
- числа из пяти и более цифр делятся узким неразрывным пробелом U+202F: 138 357 544;
- между числом и единицей — неразрывный пробел U+00A0: 9 с, 530 МБ, 37 %;
- кавычки «ёлочки», а не "прямые";
- формулы безопасны для MathJax 2: без ``\\_`` внутри ``\\text{}``;
- уроки печатают числа через ``cc.fmt``, а не ``{:,}``.

Сообщение теста называет урок, номер ячейки и найденный кусок текста.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import _spell
import pytest

from cnn_course import EXERCISES, LESSONS

ROOT = Path(__file__).resolve().parent.parent

_STRIP = [
    *_spell._STRIP,  # код, формулы, ссылки, теги — как у проверки орфографии
    re.compile(r"[Уу]пражнени\w*\s+\d+\.\d+"),  # номер упражнения «1.5» — не дробь
]

UNITS = r"(?:мин|МБ|ГБ|КБ|МиБ|ГиБ|пикс\.|пикс|мс|ч|%|ГГц|с(?=[.,;:)]|$))"
RULES = [
    (re.compile(r"\d\.\d"), "десятичная точка в прозе (нужна запятая: 0,5)"),
    (re.compile(r"(?<![\d\u202f.,])\d{5,}(?![\d.,])"), "число из 5+ цифр без узких пробелов U+202F"),
    (re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+(?!\d)"), "группы разрядов разделены не U+202F"),
    (re.compile(r"\d[ \u202f]" + UNITS + r"(?![\wА-Яа-яЁё])"), "между числом и единицей нужен U+00A0"),
    (re.compile(r"\d" + UNITS + r"(?![\wА-Яа-яЁё])"), "между числом и единицей нужен U+00A0"),
    (re.compile(r'"'), "прямые кавычки в прозе (нужны «ёлочки»)"),
]
MATHJAX = re.compile(r"\\text\{[^}]*\\_[^}]*\}")


def prose(text: str) -> str:
    """Текст без кода, формул, ссылок и тегов — то, к чему применяются правила прозы."""
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    return text


def problems(text: str) -> list[str]:
    """Нарушения правил в одном тексте: «правило: …кусок…»."""
    found = []
    for match in MATHJAX.finditer(text):
        found.append(f"\\_ внутри \\text{{}} (MathJax 2 покажет обратную косую черту): {match.group(0)!r}")
    plain = prose(text)
    for pattern, rule in RULES:
        for match in pattern.finditer(plain):
            start, end = max(match.start() - 25, 0), match.end() + 25
            found.append(f"{rule}: …{plain[start:end]!r}…")
    return found


def notebook_cells(lesson) -> list[tuple[int, str, str]]:
    nb = json.loads((ROOT / "notebooks" / lesson.file).read_text(encoding="utf-8"))
    return [(i, c["cell_type"], "".join(c["source"])) for i, c in enumerate(nb["cells"])]


@pytest.mark.parametrize("lesson", LESSONS, ids=[les.stem for les in LESSONS])
def test_lesson_markdown_typography(lesson):
    bad = [
        f"{lesson.file}, ячейка {i}: {p}"
        for i, kind, src in notebook_cells(lesson)
        if kind == "markdown"
        for p in problems(src)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lesson", LESSONS, ids=[les.stem for les in LESSONS])
def test_lesson_prints_numbers_with_fmt(lesson):
    pattern = re.compile(r"\{[^{}:\s]*:(?:[^{}]?[<>^=])?[+\-]?#?0?\d*,(?:\.\d+)?[a-z%]?\}|\.replace\(\s*[\"'],[\"']")
    bad = [
        f"{lesson.file}, ячейка {i}: {m.group(0)!r} — печатайте числа через cc.fmt"
        for i, kind, src in notebook_cells(lesson)
        if kind == "code"
        for m in pattern.finditer(src)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lesson", LESSONS, ids=[les.stem for les in LESSONS])
def test_first_cell_starts_the_lesson(lesson):
    code = [src for _, kind, src in notebook_cells(lesson) if kind == "code"]
    assert f"cc.start_lesson({lesson.number})" in code[0], (
        f"{lesson.file}: первая ячейка кода должна вызывать MODE = cc.start_lesson({lesson.number})"
    )
    assert "Быстрый режим:" not in "\n".join(code)
    assert not re.search(r"^torch\.manual_seed\([^)]*\)\s*$", code[0].strip().splitlines()[-1]), (
        f"{lesson.file}: последняя строка первой ячейки напечатает <torch._C.Generator …>"
    )


def test_readme_typography():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    # блоки кода в README многострочные: проверяем строки вне них
    in_code, bad = False, []
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            bad += [f"README.md, строка {n}: {p}" for p in problems(line)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_exercise_texts_typography(key):
    ex = EXERCISES[key]
    texts = [ex.question, ex.explanation, ex.hint] + [why for _, why in ex.mistakes]
    bad = [f"упражнение {ex.number} ({key}): {p}" for t in texts for p in problems(t)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "text,rule",
    [
        ("потеря 0.1875 на тесте", "десятичная точка"),
        ("всего 138357544 параметров", "5+ цифр"),
        ("всего 10 000 картинок", "не U+202F"),
        ("обучение за 9 с.", "U+00A0"),
        ("занимает 530 МБ", "U+00A0"),
        ("доля 37%", "U+00A0"),
        ("в упражнении 1.5 и в 1.5 раза", "десятичная точка"),
        ('слово "свёртка"', "прямые кавычки"),
        (r"$\text{kernel\_size}$", "MathJax"),
    ],
)
def test_rules_catch_typical_mistakes(text, rule):
    assert any(rule in p for p in problems(text)), (text, problems(text))


@pytest.mark.parametrize(
    "text",
    [
        "потеря 0,1875; 138\u202f357\u202f544 параметров; 10\u202f000 картинок; 9\u00a0с; 530\u00a0МБ; 37\u00a0%",
        'код `lr=0.001` и `"same"`, формула $0.5 x$, ссылка https://example.org/a.b, год 2016, 3×3',
        "по одному нулю с каждой стороны: 1 с каждой стороны; упражнение 1.5, «Упражнение 4.2»",
    ],
)
def test_rules_accept_correct_text(text):
    assert problems(text) == []
