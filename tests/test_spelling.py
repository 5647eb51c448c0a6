"""Орфография: hunspell ru_RU + en_US по README и Markdown-ячейкам уроков."""

import os

import _spell
import pytest

pytestmark = pytest.mark.skipif(
    not _spell.hunspell_available() and not os.environ.get("CI"),
    reason="нет hunspell со словарями ru_RU и en_US (apt-get install hunspell hunspell-ru hunspell-en-us)",
)


def test_hunspell_present_in_ci():
    assert _spell.hunspell_available(), "В CI проверка орфографии обязательна: установите hunspell-ru и hunspell-en-us"


def test_checker_catches_typos_from_the_lecture():
    text = (
        "Классы сверточнных слоев. MaxPool2d(kernel_size, stried=None): stried задаёт шаг; "
        "если RGB, nj in_channels = 3. Свёрточные слои ищут признаки."
    )
    bad = _spell.misspelled(text)
    assert {"сверточнных", "stried", "nj"} <= set(bad)
    assert "Свёрточные" not in bad and "признаки" not in bad


def test_code_formulas_and_links_are_not_checked():
    text = "Слой `nn.Conv2d(stried=1)` и формула $z_{nm} = \\omega_0$, ссылка https://example.org/qwzx"
    assert _spell.misspelled(text) == []


def test_allowlist_covers_case_forms():
    assert _spell.misspelled("пулинг, пулинга, пулингом; батч, батча, батчей") == []


@pytest.mark.parametrize("name", sorted(_spell.documents()))
def test_document_spelling(name):
    bad = _spell.misspelled(_spell.documents()[name])
    assert not bad, (
        f"{name}: слова не найдены в словарях: {bad}. Исправьте опечатку или, если это "
        f"термин, добавьте его в tests/spelling_allowlist.dic (форма 'слово/образец')."
    )
