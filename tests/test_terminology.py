"""Единые термины курса (словарь — раздел «Словарь» в README): отвергнутые варианты не встречаются
в Markdown-ячейках уроков, README и текстах упражнений.

Исключение — абзацы «**Поправка к лекции.** …» и раздел README «Поправки к лекции»: там ошибки
лекции цитируются намеренно, чтобы их исправить.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cnn_course import EXERCISES, LESSONS

ROOT = Path(__file__).resolve().parent.parent

# (отвергнутый вариант — регулярное выражение, что писать вместо него)
REJECTED = [
    (r"разрежени", "дилатация (dilation); синоним — расширенная свёртка"),
    (r"расширени\w*\s+ядра", "дополнение нулями (padding) — ядро не меняется"),
    (r"отб\w*\s+средних", "усредняющий пулинг вычисляет среднее, а не отбирает его"),
    (r"\b(?:Max|Min|Average|Avg)Pooling\b", "max-пулинг, min-пулинг, усредняющий пулинг"),
    (r"\b(?:average|avg)-?пулинг", "усредняющий пулинг"),
    (r"\baverage\s+[а-яё]", "усреднение, усредняющий пулинг"),
    (r"на\s+(?:более\s+|всё\s+более\s+)?крупном\s+масштабе", "в более крупном масштабе"),
    (
        r"среднеквадратичн\w*\s+ошибк\w*\s*\(MSE\)|(?<!R)MSE\s*[—–-]\s*среднеквадратичн",
        "MSE — средний квадрат ошибки; среднеквадратичная ошибка — это RMSE",
    ),
    (r"средн\w*\s+квадрат\w*\s+ошибк\w*\s*\(RMSE\)", "RMSE — среднеквадратичная ошибка (корень из MSE)"),
    (r"(?i)\bсверт|\bсвернут", "свёртка, свёрточный (с ё)"),
    (r"\bstried\b", "stride (шаг)"),
    (r"«?кубик»?\s+3×3", "фильтр — брусок C×k×k, ядро — его срез k×k"),
    (r"инвариантны\s+к\s+местоположению", "свёртка эквивариантна к сдвигу (цитата — только в поправке)"),
    (r"пуст\w*\s+батч", "батч из нулей"),
    (r"по-русски\s+объясн|объясня\w*\s+это\s+по-русски", "без самопохвалы: просто «объясняет»"),
    (r"запускается\s+сверху\s+вниз", "ячейки выполняются по порядку"),
    (r"пикс²", "единица — «пикс.²», как «пикс.»"),
    (r"почти\s+все\s+окна", "большинство окон (в примере урока 1 — 61 %), а не «почти все»"),
    (r"[Пп]олн\w+\s+инвариантност", "приближённая инвариантность: наложение и края выдают положение"),
    (r"играет\s+и\s+без", "анимация воспроизводится"),
    (r"[Чч]естн\w+\s+(?:оговорк|предупрежден)", "без самопохвалы: «оговорка», «предупреждение»"),
    (r"вероятност\w*\s+того,\s+что\s+центр", "веса soft-argmax — не вероятности: обучается только их среднее"),
    (r"\bвырезк", "фрагмент (кроп) картинки"),
    (r"sungen\.py", "код рисования солнца — cnn_course/sun/draw.py"),
]
_REJECTED = [(re.compile(p), why) for p, why in REJECTED]

_STRIP = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"\$[^$\n]+\$"),
    re.compile(r"https?://\S+"),
]
CALLOUT = "**Поправка к лекции.**"


def prose(text: str) -> str:
    """Текст без кода, формул, ссылок и абзацев-поправок к лекции."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if not p.lstrip().startswith(CALLOUT)]
    text = "\n\n".join(paragraphs)
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    return text


def problems(text: str) -> list[str]:
    plain = prose(text)
    found = []
    for pattern, why in _REJECTED:
        for match in pattern.finditer(plain):
            start, end = max(match.start() - 25, 0), match.end() + 25
            found.append(f"«{match.group(0)}» → {why}: …{plain[start:end]!r}…")
    return found


@pytest.mark.parametrize("lesson", LESSONS, ids=[les.stem for les in LESSONS])
def test_lesson_terms(lesson):
    nb = json.loads((ROOT / "notebooks" / lesson.file).read_text(encoding="utf-8"))
    bad = [
        f"{lesson.file}, ячейка {i}: {p}"
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "markdown"
        for p in problems("".join(c["source"]))
    ]
    assert not bad, "\n".join(bad)


def readme_without_corrections() -> str:
    """README без раздела «Поправки к лекции» и без строк таблицы уроков (их текст — из
    ``LESSONS``, он проверяется отдельно в ``test_lesson_registry_terms``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"^## Поправки к лекции\n.*?(?=^## |\Z)", "", text, flags=re.S | re.M)
    return "\n".join(line for line in text.splitlines() if not line.startswith("| `notebooks/"))


def test_lesson_registry_terms():
    bad = [f"LESSONS[{les.number}]: {p}" for les in LESSONS for p in problems(les.title + ". " + les.summary)]
    assert not bad, "\n".join(bad)


def test_readme_terms():
    bad = problems(readme_without_corrections())
    assert not bad, "README.md: " + "\n".join(bad)


def test_readme_has_glossary_and_corrections():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Словарь" in text and "## Поправки к лекции" in text
    glossary = re.search(r"^## Словарь\n(.*?)(?=^## |\Z)", text, re.S | re.M).group(1)
    for term in (
        "свёртка",
        "фильтр",
        "ядро",
        "карта признаков",
        "дилатация",
        "max-пулинг",
        "усредняющий пулинг",
        "рецептивное поле",
        "средний квадрат ошибки",
        "среднеквадратичная ошибка",
        "разделение весов",
        "локальная связность",
        "дообучение",
    ):
        assert term in glossary, f"в словаре README нет термина «{term}»"


def test_every_correction_callout_is_listed_in_readme():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Поправки к лекции\n(.*?)(?=^## |\Z)", text, re.S | re.M).group(1)
    for lesson in LESSONS:
        nb = json.loads((ROOT / "notebooks" / lesson.file).read_text(encoding="utf-8"))
        callouts = sum("".join(c["source"]).count(CALLOUT) for c in nb["cells"] if c["cell_type"] == "markdown")
        listed = section.count(f"(notebooks/{lesson.file})")
        assert listed >= callouts, (
            f"{lesson.file}: поправок к лекции в уроке {callouts}, а в README «Поправки к "
            f"лекции» ссылок на урок {listed}"
        )


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_exercise_terms(key):
    ex = EXERCISES[key]
    texts = [ex.question, ex.explanation, ex.hint] + [why for _, why in ex.mistakes]
    bad = [f"упражнение {ex.number} ({key}): {p}" for t in texts for p in problems(t)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "text",
    [
        "разрежение (dilation)",
        "AveragePooling — отбор средних значений",
        "на более крупном масштабе",
        "среднеквадратичную ошибку (MSE)",
        "Сверточные сети",
        "параметр stried",
        "«кубик» 3×3",
        "пустой батч",
        "Наши функции объясняют это по-русски",
        "average размазывает",
    ],
)
def test_rejected_variants_are_caught(text):
    assert problems(text), text


def test_callout_may_quote_the_lecture():
    text = "**Поправка к лекции.** В лекции: «AveragePooling — отбор средних значений».\n\nДалее — max-пулинг."
    assert problems(text) == []


# в коде пакета термины проверяются в строках (сообщения, подписи ползунков, документация)
_CODE_ONLY = {r"\b(?:average|avg)-?пулинг", r"\baverage\s+[а-яё]", r"\bstried\b"}


@pytest.mark.parametrize(
    "path", sorted((ROOT / "cnn_course").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT / "cnn_course"))
)
def test_package_texts_use_the_glossary(path):
    text = path.read_text(encoding="utf-8")
    bad = [
        f"{path.name}: «{m.group(0)}» → {why}"
        for pattern, why in _REJECTED
        if pattern.pattern not in _CODE_ONLY
        for m in pattern.finditer(text)
    ]
    assert not bad, "\n".join(bad)
