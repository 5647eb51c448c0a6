"""Факты уроков, которые легко снова испортить правкой текста (декабрьская рецензия, F1–F12).

Каждая проверка здесь ловит конкретную ошибку, которая уже была в тексте: числа и формулировки,
которые ячейка рядом проверить не может (например, что список изменений называет все изменения).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cnn_course import EXERCISES

ROOT = Path(__file__).resolve().parent.parent


def cells(stem: str) -> list[tuple[str, str]]:
    path = next((ROOT / "notebooks").glob(f"{stem}*.ipynb"))
    return [(c["cell_type"], "".join(c["source"])) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def markdown(stem: str) -> str:
    return "\n\n".join(src for kind, src in cells(stem) if kind == "markdown")


def code(stem: str) -> str:
    return "\n\n".join(src for kind, src in cells(stem) if kind == "code")


def test_lesson4_centre_baseline_is_the_discrete_variance():
    """F1: центры — целые 32…224, поэтому «всегда центр» даёт (193² − 1)/12 = 3104, а не 192²/12."""
    text = markdown("04")
    assert "3104" in text and "(193^2 - 1)/12" in text
    assert "теория: 3072" not in code("04") and "(193**2 - 1) / 12" in code("04")


def test_lesson4_step3_list_names_every_change():
    """F4: шаг 3 меняет и weight_decay (10⁻³ → 10⁻⁴), и число эпох — список изменений называет оба."""
    src = code("04")
    assert "optim.AdamW(heat_model.parameters(), lr=1e-2, weight_decay=1e-4)" in src
    step3 = markdown("04").split("**Шаг 3**", 1)[1].split("Шаги сравниваются", 1)[0]
    assert "weight_decay" in step3 and "$10^{-4}$" in step3 and "$10^{-3}$" in step3
    assert "три эпохи" in step3 and "HEAT_EPOCHS = cc.by_mode(smoke=15, default=3)" in src


def test_lesson4_compares_recipes_on_one_data_set():
    """F2: отношения лекции к быстрому рецепту — только с MSE лекции, измеренной на том же наборе."""
    text = markdown("04")
    assert "в 229 раз" not in text and "в 32 раза" not in text
    assert "на наборе лекции" in text.lower()


def test_lesson3_reads_all_four_numbers_of_the_matmul_error():
    """F5, F6: первое число — батч; mat2 — транспонированные веса, weight хранится как (128, 4096)."""
    text = next(src for kind, src in cells("03") if kind == "markdown" and "mat1 and mat2" in src)
    assert "размер батча" in text and "транспонированн" in text and "(128, 4096)" in text
    assert "model[10].weight.shape == (128, 4096)" in code("03")


def test_lesson2_names_the_heads_with_global_pooling_correctly():
    """F8: у VGG — адаптивный пулинг до 7×7, глобальный пулинг — у ResNet и GoogLeNet."""
    text = markdown("02")
    paragraph = next(p for p in text.split("\n\n") if "**глобальный**" in p)
    assert "ResNet" in paragraph and "7×7" in paragraph


def test_lesson3_lists_every_padding_mode():
    """F11: четыре значения padding_mode, как в PyTorch."""
    text = markdown("03")
    for mode in ["'zeros'", "'reflect'", "'replicate'", "'circular'"]:
        assert mode in text


def test_exercise_4_1_explains_adam_by_the_scale_of_targets():
    """F12: шаг Adam не зависит от масштаба потери — помогает масштаб целей."""
    explanation = EXERCISES["sun.normalized_loss"].explanation
    assert "масштаб целей" in explanation and "нечувствителен" in explanation
    assert not re.search(r"масштаб\s+для\s+Adam", explanation)
