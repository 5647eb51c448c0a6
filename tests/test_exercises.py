"""Упражнения: верный ответ принимается, каждая типичная ошибка получает свою подсказку,
ответ не того вида — сообщение по-русски, а не исключение."""

import decimal
import fractions
import re

import numpy as np
import pytest
import torch

from cnn_course import EXERCISES, LESSONS, CheckResult, check, exercise
from cnn_course import _exercise_code as B
from cnn_course import exercises as E
from cnn_course._exercise_code import (
    _conv_flipped,
    _conv_no_bias,
    _conv_no_padding,
    _conv_short,
    _conv_stride_only_in_size,
    my_conv2d,
)
from cnn_course.shapes import conv_output_size


def seen(res: CheckResult) -> str:
    """Что видит ученик: и текст, и HTML-плашку (без тегов)."""
    return str(res) + "\n" + re.sub(r"<[^>]+>", "", res._repr_html_())


def test_every_exercise_accepts_its_answer_and_rejects_mistakes():
    for key, ex in EXERCISES.items():
        assert check(key, ex.answer).ok, key
        assert ex.mistakes, f"{key}: нет ни одной типичной ошибки"
        for wrong, hint in ex.mistakes:
            res = check(key, wrong)
            assert not res.ok and res.status == "wrong" and hint in res.message, (key, wrong)


# Типичные неверные ответы, вычисленные той самой ошибкой, на которую нацелена подсказка,
# и слова, которые ученик должен увидеть в ответ.
TYPICAL = [
    ("conv.params", 16 * 27, "забыли смещения"),
    ("conv.params", 16 * 9 + 16, "брусок 3×3×3"),
    ("conv.params", 16 * 9, "брусок 3×3×3"),
    ("conv.params", 27, "один фильтр без смещения"),
    ("conv.params", 28, "один фильтр со смещением"),
    ("conv.output_size", round((32 + 2 - 5) / 2 + 1 + 0.1), "округлением вниз"),
    ("conv.output_size", (32 + 2 - 5) // 2, "без «+ 1»"),
    ("conv.output_size", (32 - 5) // 2 + 1, "без дополнения нулями"),  # то же 14 — другой путь
    ("conv.output_size", 32 - 5 + 1, "не учли дополнение нулями и шаг"),
    ("conv.output_size", 32 + 2 - 5, "не учли шаг и «+ 1»"),
    ("conv.output_size", 32 + 2 - 5 + 1, "не учли шаг"),
    ("conv.z_value", 4 - 1, "забыли прибавить смещение"),
    (
        "conv.z_value",
        int(
            (
                torch.flip(torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]), (0, 1))
                * torch.tensor([[1.0, 2, 0], [0, 1, 3], [2, 1, 0]])
            ).sum()
        )
        + 1,
        "перевернули ядро",
    ),
    (
        "conv.z_value",
        int(
            (
                torch.flip(torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]), (0, 1))
                * torch.tensor([[1.0, 2, 0], [0, 1, 3], [2, 1, 0]])
            ).sum()
        ),
        "забыли смещение",
    ),
    ("conv.dilation", (2 * 3, 9), "промежутков между тремя клетками два"),
    ("conv.dilation", (5, 5 * 5), "только в 9 клетках"),
    ("conv.dilation", (3, 9), "раздвигает клетки"),
    ("conv.loop", _conv_flipped, "не нужно переворачивать"),
    ("conv.loop", _conv_no_bias, "прибавить смещение"),
    ("conv.loop", _conv_short, "«+ 1»"),
    ("conv.loop", _conv_no_padding, "F.pad"),
    ("conv.loop", _conv_stride_only_in_size, "n * stride"),
    ("pool.loop", B._pool_avg, "усредняющий пулинг"),
    ("pool.loop", B._pool_overlap, "а не 1"),
    ("pool.loop", B._pool_ceil, "Неполные окна"),
    ("shapes.formula", B._size_no_dilation, "d·(k − 1) + 1"),
    ("shapes.formula", B._size_no_plus_one, "«+ 1»"),
    ("shapes.formula", B._size_one_side_padding, "с обеих сторон"),
    ("shapes.formula", B._size_no_minus_no_plus, "и «− 1», и «+ 1»"),
    ("shapes.formula", lambda n, k, s, p, d: (n + 2 * p - d * (k - 1)) // s, "и «− 1», и «+ 1»"),
    ("shapes.formula", B._size_true_division, "целочисленным"),
    ("conv.shift", 1, "сама карта сдвигается"),
    ("conv.shift", 3, "Сдвиг в ту же сторону"),
    ("conv.shift", 4, "вполне предсказуемо"),
    ("pool.after_relu", 2, "Скорость та же"),
    ("pool.after_relu", 3, "Градиент есть"),
    ("pool.after_relu", 4, "отрицательных чисел нет"),
    ("shapes.why_2500", 1, "Свёртки принимают вход любого размера"),
    ("shapes.why_2500", 3, "работает для любого размера"),
    ("shapes.why_2500", 4, "200 делится на 8"),
    ("sun.invariant", 2, "Параметров хватает"),
    ("sun.invariant", 3, "где оно"),
    ("sun.invariant", 4, "MSE подходит"),
    ("vgg.softmax", 2, "порядок классов тот же"),
    ("vgg.softmax", 3, "Так делает argmax"),
    ("vgg.softmax", 4, "по оси классов"),
    ("sun.getitem", B._getitem_swapped, "не меняйте их местами"),
    ("sun.getitem", B._getitem_no_transform, "self.transform"),
    ("sun.getitem", B._getitem_list_target, "а не список"),
    ("vgg.freeze", B._freeze_forgot, "не заморожены"),
    ("vgg.freeze", B._freeze_everything, "новый слой головы тоже"),
    ("vgg.freeze", B._freeze_all_then_replace, "заморозили и скрытые слои головы"),
    ("vgg.freeze", B._freeze_appended, "добавили новый слой после старого"),
    ("vgg.freeze", B._freeze_no_new_head, "голова старая"),
    ("pool.output_shape", (8, 8, 32, 32), "Число каналов пулинг не меняет"),
    ("pool.output_shape", (8, 16, 63, 63), "Шаг по умолчанию равен размеру окна"),
    ("pool.modes", (4, 0, 0.5), "наименьшее число окна"),
    ("pool.modes", (4, -3, 1 - 3 + 4 + 0), "поделить на число клеток"),
    ("pool.modes", (4, -3, (1 - 3 + 4) / 3), "все 4 клетки"),
    ("pool.odd_size", (4, 4), "отбрасывается"),
    ("pool.odd_size", (3, 3), "тоже даёт выход"),
    ("pool.odd_size", (4, 3), "Наоборот"),
    ("pool.gradient", 4, "усредняющего пулинга"),
    ("pool.gradient", 0, "получает градиент целиком"),
    ("shapes.conv_weight", (3, 16, 5, 5), "Первым идёт число фильтров"),
    ("shapes.conv_weight", (3, 5), "неполная форма из лекции"),
    ("shapes.flatten", 4 * 32 * 32, "256×256"),
    ("shapes.flatten", 4 * (128 // 4) ** 2, "два пулинга из трёх"),
    ("shapes.flatten", 4 * 64 * 64, "Пулингов три, а не один"),
    ("shapes.flatten", 3 * 16 * 16, "а не 3 (как у входа)"),
    ("shapes.flatten", 4 * 128 * 128, "три пулинга"),
    ("shapes.flatten", 16 * 16, "вытягивает и каналы"),
    ("shapes.conv1d", (4, 8, 100 - 5 + 1), "делите на s = 2"),
    ("shapes.conv1d", (4, 8, (100 - 5) // 2), "«+ 1»"),
    ("shapes.receptive_field", 3 + 3 + 3, "перекрываются"),
    ("shapes.receptive_field", 3 * 3 * 3, "не перемножаются"),
    ("shapes.receptive_field", 5, "двух слоёв"),
    ("sun.normalized_loss", 3104 / 128, "квадрат ошибки"),
    ("sun.normalized_loss", 3104, "128²"),
    ("sun.normalized_loss", 192**2 / 12 / 128**2, "непрерывного равномерного"),
    ("sun.rmse", 7.398 / 2, "половина MSE"),
    ("sun.rmse", 7.398**2, "квадрат MSE"),
    ("sun.coordinates", (40, 200), "Порядок обратный"),
    ("vgg.conv_params", 512 * 256 * 9, "Не забудьте смещения"),
    ("vgg.conv_params", 256 * 9, "умножьте на число фильтров 512 и добавьте 512 смещений"),
    ("vgg.block3_shape", (1, 256, 56, 56), "тоже заканчивается пулингом"),
    ("vgg.stack_vs_big", (27 * 64, 49 * 64), "умножьте ещё на 64"),
    ("vgg.stack_vs_big", (9 * 64 * 64, 49 * 64 * 64), "умножьте веса одного слоя на 3"),
    ("conv.dilation", (5, 5), "Весов столько же"),
    ("pool.output_shape", (8 // 2, 16, 32, 32), "Размер батча не меняется"),
    ("pool.output_shape", (8 // 2, 16 // 2, 32, 32), "Батч и каналы пулинг не трогает"),
    ("shapes.conv_weight", (16, 5, 5), "нужна ось in_channels"),
    ("shapes.conv_weight", (16, 3, 5), "осей весов четыре"),
    ("shapes.flatten", 3 * (128 // 4) ** 2, "пулингов три, а не два"),
    ("shapes.conv_weight", (16, 3, 3, 3), "ядро 5×5"),
    ("shapes.conv1d", (4, 1, 48), "сколько фильтров"),
    ("shapes.conv1d", (4, 8, -(-(100 - 5) // 2) + 1), "округлением вниз"),
    ("shapes.receptive_field", 3, "поле растёт"),
    ("vgg.block3_shape", (1, 512, 28, 28), "у четвёртого блока"),
    ("vgg.block3_shape", (1, 128, 28, 28), "у второго блока"),
    ("cls.cross_entropy", float(torch.softmax(torch.tensor([2.0, 1.0, 0.0]), 0)[0]), "вероятность верного класса"),
    ("cls.cross_entropy", float(torch.log(torch.softmax(torch.tensor([2.0, 1.0, 0.0]), 0)[0])), "Знак"),
    ("cls.cross_entropy", -float(torch.log10(torch.softmax(torch.tensor([2.0, 1.0, 0.0]), 0)[0])), "десятичный"),
    (
        "cls.cross_entropy",
        float(torch.nn.functional.cross_entropy(torch.softmax(torch.tensor([[2.0, 1.0, 0.0]]), 1), torch.tensor([0]))),
        "softmax дважды",
    ),
    ("cls.conv1x1_params", 256 * 64, "Не забудьте смещения"),
    ("cls.conv1x1_params", sum(p.numel() for p in torch.nn.Conv2d(256, 64, 3).parameters()), "свёртка 3×3"),
    ("cls.conv1x1_params", 256 + 64, "перемножаются"),
    ("cls.gap_head", (64 * 8 * 8 * 10, 64 * 10), "10 смещений"),
    ("cls.gap_head", (64 * 10 + 10, 64 * 10 + 10), "все каналы и все точки"),
    ("cls.gap_head", (64 * 8 * 8 * 10 + 10, 64 * 8 * 8 * 10 + 10), "в одно число"),
    ("cls.residual", B._ResNoProjection, "нужна проекция"),
    ("cls.residual", B._ResProjectionNoStride, "нет шага"),
    ("cls.residual", B._ResAlwaysProjection, "без лишних параметров"),
    ("cls.residual", B._ResReluBeforeAdd, "ReLU стоит до сложения"),
    ("cls.residual", B._ResNoInnerRelu, "одна линейная операция"),
    ("cls.residual", B._ResNoSkip, "Нет остаточной связи"),
    ("cls.softmax_place", 2, "применится дважды"),
    ("cls.softmax_place", 3, "двойная нормировка"),
    ("cls.softmax_place", 4, "не меняет порядок"),
]


@pytest.mark.parametrize("key,wrong,words", TYPICAL, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(TYPICAL)])
def test_typical_mistake_gets_its_hint(key, wrong, words):
    res = check(key, wrong)
    assert not res.ok
    assert words in seen(res), (key, wrong, str(res))


def test_every_targeted_hint_is_fed_its_typical_mistake():
    for key, ex in EXERCISES.items():
        if ex.options:  # у вопросов с выбором ошибка — номер варианта: их проверяет test_every_wrong_option_…
            continue
        for wrong, _ in ex.mistakes:
            assert any(k == key and check(k, w).message == check(key, wrong).message for k, w, _ in TYPICAL), (
                f"{key}: подсказку для {wrong!r} не проверяет ни одна типичная ошибка в TYPICAL"
            )


# неверные решения, которых нет среди типичных ошибок: ученик получает общую подсказку и первый неверный пример
UNTARGETED_CODE = {
    "conv.loop": lambda x, w, b, s, p: my_conv2d(x, w, b, s, p) * 2,
    "pool.loop": lambda x: B.my_max_pool(x) * 2,
    "shapes.formula": lambda n, k, s, p, d: n,
    "vgg.freeze": lambda model, n: model,
    "sun.getitem": lambda self, item: B.my_getitem(self, 0),
    "cls.residual": lambda c_in, c_out, stride: torch.nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
}


@pytest.mark.parametrize("key", sorted(EXERCISES))
def test_general_hint_for_an_untargeted_wrong_answer(key):
    ex = EXERCISES[key]
    wrong = (
        UNTARGETED_CODE[key]
        if ex.is_code
        else tuple(v + 1000 for v in ex.answer)
        if isinstance(ex.answer, tuple)
        else ex.answer + 1000
    )
    res = check(key, wrong)
    assert not res.ok and res.status == "wrong"
    assert ex.hint in res.message if not ex.is_code else "Неверно" in res.message
    assert f'reveal("{ex.number}")' in seen(res), "после неверного ответа ученик узнаёт, как открыть ответ"


@pytest.mark.parametrize(
    "key,right,wrongs",
    [
        ("conv.params", sum(p.numel() for p in torch.nn.Conv2d(3, 16, 3).parameters()), [432, 160, 0, 449, 447]),
        ("conv.output_size", conv_output_size(32, 5, stride=2, padding=1), [16, 14, 28]),
        ("conv.z_value", 4, [3, -2, 5]),
        (
            "conv.dilation",
            (
                conv_output_size(5, 3, dilation=2) and 2 * (3 - 1) + 1,
                torch.nn.Conv2d(1, 1, 3, dilation=2, bias=False).weight.numel(),
            ),
            [(6, 9), (5, 25)],
        ),
        ("vgg.conv_params", 1180160, [1180161, 1180159, 1179648]),
        ("vgg.stack_vs_big", (110592, 200704), [(110593, 200704)]),
    ],
)
def test_answers_computed_independently_and_integers_are_exact(key, right, wrongs):
    assert check(key, right)
    for w in wrongs:
        assert not check(key, w), (key, w)


def test_dilation_answer_matches_pytorch():
    x = torch.zeros(1, 1, 5, 5)
    assert torch.nn.Conv2d(1, 1, 3, dilation=2)(x).shape[-1] == 1  # ядро покрывает ровно 5×5
    assert check("conv.dilation", (5, torch.nn.Conv2d(1, 1, 3, dilation=2, bias=False).weight.numel()))


def test_max_pool_gradient_answer_matches_autograd():
    win = torch.tensor([[[[1.0, -3.0], [4.0, 0.0]]]], requires_grad=True)
    torch.nn.MaxPool2d(2)(win).sum().backward()
    assert check("pool.gradient", int((win.grad != 0).sum()))


@pytest.mark.parametrize("k,stride,padding", [(k, s, p) for k in (1, 2, 3) for s in (1, 2, 3) for p in (0, 1, 2)])
def test_conv_loop_reference_matches_torch(k, stride, padding):
    gen = torch.Generator().manual_seed(k * 9 + stride * 3 + padding)
    x, w = torch.randn(6, 7, generator=gen, dtype=torch.float64), torch.randn(k, k, generator=gen, dtype=torch.float64)
    ref = torch.nn.functional.conv2d(
        x[None, None], w[None, None], torch.tensor([0.5], dtype=torch.float64), stride, padding
    )
    torch.testing.assert_close(my_conv2d(x, w, 0.5, stride, padding).double(), ref[0, 0], rtol=1e-5, atol=1e-5)


def test_conv_loop_accepts_numpy_and_reports_crash_in_russian():
    assert check("conv.loop", lambda x, w, b, s, p: my_conv2d(x, w, b, s, p).numpy())
    res = check("conv.loop", lambda x, w, b, s, p: x[100])
    assert not res.ok and "Функция упала с ошибкой IndexError" in res.message
    res = check("conv.loop", my_conv2d(torch.zeros(3, 3), torch.zeros(2, 2), 0, 1, 0))
    assert res.status == "invalid" and "Ожидалась функция" in res.message


def test_numbering_per_lesson():
    prefixes = {les.exercise_prefix: les.number for les in LESSONS}
    counters = {}
    for key, ex in EXERCISES.items():
        lesson = prefixes[key.split(".")[0]]
        counters[lesson] = counters.get(lesson, 0) + 1
        assert ex.number == f"{lesson}.{counters[lesson]}"
        assert ex._repr_markdown_().startswith(f"**Упражнение {ex.number}.**")
        assert key not in ex._repr_markdown_() and key not in str(ex)
        assert exercise(ex.number) is ex
    assert EXERCISES["vgg.stack_vs_big"].number == "5.3"


def test_pending_answer_is_neutral_and_renders_code():
    res = check("conv.params", ...)
    assert not res.ok and res.status == "pending"
    assert check("conv.params", None).status == "pending"
    assert check("conv.loop", lambda x, w, b, s, p: None).status == "pending"
    text = seen(res)
    assert "Ответа пока нет" in text or "ответа пока нет" in text
    assert "Неверно" not in text and E.WRONG not in text
    assert "`" not in str(res) and "`" not in res._repr_html_()
    assert "<code>nn.Conv2d(3, 16, kernel_size=3)</code>" in res._repr_html_()
    assert "#fdecea" not in res._repr_html_(), "ожидание ответа не должно выглядеть ошибкой"


def test_glyphs_are_in_dejavu_not_emoji():
    for res in (check("conv.params", 448), check("conv.params", 1), check("conv.params", ...), E.reveal("1.1")):
        text = seen(res)
        assert not re.search("[\u2705\u274c\U0001f300-\U0001faff]", text), text
    assert str(check("conv.params", 448)).startswith("\u2714")
    assert str(check("conv.params", 1)).startswith("\u2718")


def test_reveal_after_a_wrong_try():
    E._TRIED.discard("pool.odd_size")
    first = E.reveal("2.3")
    assert first.status == "answer" and "(3, 4)" in first.message and "попробуйте сначала сами" in first.message
    check("pool.odd_size", (4, 4))
    res = E.reveal("pool.odd_size")
    assert "(3, 4)" in res.message and "сначала сами" not in res.message
    assert EXERCISES["pool.odd_size"].explanation in res.message
    assert "0,5" in E.reveal("2.2").message and "def my_conv2d" in E.reveal("1.5").message
    assert E.reveal("9.9").status == "invalid"


@pytest.mark.parametrize(
    "answer,words",
    [
        ("448 штук", "Ожидалось число, получена строка"),
        ("448", "без кавычек"),
        (True, "логическое значение"),
        (float("nan"), "не число"),
        (float("inf"), "не число"),
        ((448, 1), "дробная часть отделена запятой"),  # так Python читает «448,1»
        ((448, -1), "Ожидалось одно число, а получен кортеж из 2\u00a0элементов"),
        ((448, 1, 2), "Ожидалось одно число, а получен кортеж из 3\u00a0элементов"),
        ([448], "список из 1\u00a0элемента"),
        (torch.ones(3, 3), "массив формы (3, 3)"),
        ("x" * 1_000_000, "…"),
        (object(), "тип object"),
    ],
)
def test_bad_answers_to_a_number_get_russian_messages(answer, words):
    res = check("conv.params", answer)
    assert not res.ok and res.status == "invalid"
    assert words in res.message, res.message
    assert len(res.message) < 300


@pytest.mark.parametrize(
    "answer,words",
    [
        (8, "Ожидался кортеж из 4\u00a0чисел, а получено одно число"),
        ((8, 16, 32), "Ожидался кортеж из 4\u00a0чисел, а в ответе 3\u00a0числа"),
        ((8, 16, 32, 32, 1), "в ответе 5\u00a0чисел"),
        ((8, 16, "32", 32), "в кортеже получена строка"),
        (list(range(1_000_000)), "1\u202f000\u202f000\u00a0чисел"),
    ],
)
def test_bad_answers_to_a_shape_get_russian_messages(answer, words):
    res = check("pool.output_shape", answer)
    assert not res.ok and res.status == "invalid"
    assert words in res.message, res.message
    assert "Ожидалось" not in res.message  # «кортеж» — мужской род: «Ожидался»


def test_big_numbers_decimals_fractions_and_arrays():
    assert not check("conv.params", 10**400)
    assert check("conv.params", 10**400).status == "wrong"
    assert check("sun.rmse", 10**400).status == "wrong"
    assert check("pool.modes", (4, -3, 10**400)).status == "wrong"
    assert check("conv.params", decimal.Decimal("448"))
    assert check("sun.rmse", decimal.Decimal("2.72"))
    assert check("pool.modes", (4, -3, fractions.Fraction(1, 2)))
    assert check("conv.params", np.int64(448)) and check("conv.params", torch.tensor(448))
    assert check("pool.output_shape", np.array([8, 16, 32, 32]))
    assert check("pool.output_shape", torch.nn.MaxPool2d(2)(torch.zeros(8, 16, 64, 64)).shape)
    assert check("conv.params", 448.0) and not check("conv.params", 448.5)


def test_keys_of_the_wrong_kind_get_russian_messages():
    for key in (["conv.params"], None, 1.1, "nope", "x" * 1_000_000):
        res = check(key, 448)
        # имеющиеся номера — диапазонами по урокам (а не все 55), чужой ключ обрезается: сообщение короткое
        assert res.status == "invalid" and "Нет упражнения" in res.message and len(res.message) < 300
    assert check("1.1", 448)
    with pytest.raises(KeyError, match="conv.params"):
        exercise("nope")


def _pool(x, k, mode):
    return {"max": torch.nn.MaxPool2d(k), "avg": torch.nn.AvgPool2d(k)}[mode](x)


def test_lesson2_and_3_answers_computed_with_torch():
    from cnn_course import MinPool2d, receptive_field

    assert check("pool.output_shape", tuple(torch.nn.MaxPool2d(2)(torch.zeros(8, 16, 64, 64)).shape))
    win = torch.tensor([[[[1.0, -3.0], [4.0, 0.0]]]])
    assert check("pool.modes", (_pool(win, 2, "max").item(), MinPool2d(2)(win).item(), _pool(win, 2, "avg").item()))
    x = torch.zeros(1, 1, 7, 7)
    assert check(
        "pool.odd_size", (torch.nn.MaxPool2d(2)(x).shape[-1], torch.nn.MaxPool2d(2, ceil_mode=True)(x).shape[-1])
    )
    assert check("shapes.conv_weight", torch.nn.Conv2d(3, 16, 5).weight.shape)
    blocks = []
    for c_in, c_out in [(3, 8), (8, 8), (8, 4)]:
        blocks += [torch.nn.Conv2d(c_in, c_out, 3, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
    flat = torch.nn.Sequential(*blocks, torch.nn.Flatten())(torch.zeros(1, 3, 128, 128))
    assert check("shapes.flatten", flat.shape[1])
    assert check("shapes.conv1d", torch.nn.Conv1d(1, 8, 5, stride=2)(torch.zeros(4, 1, 100)).shape)
    assert check("shapes.receptive_field", receptive_field([torch.nn.Conv2d(1, 1, 3)] * 3).size)
    assert not check("shapes.conv_weight", (16, 3, 5, 5, 1))


def test_sun_hint_numbers():
    # генератор рисует целые центры: все 193 значения 32…224, каждое с вероятностью 1/193
    from cnn_course.sun.draw import draw_sun_image

    rng = np.random.default_rng(0)
    centres = {v for _ in range(300) for v in draw_sun_image(rng)[1]}
    assert min(centres) >= 32 and max(centres) <= 224 and all(isinstance(v, int) for v in centres)
    p = torch.arange(32, 225, dtype=torch.float64)
    assert len(p) == 193 and ((p - 128) ** 2).mean().item() == (193**2 - 1) / 12 == 3104
    # необученная сеть выдаёт ≈ 0: начальная MSE = E[p²] = 128² + 3104 ≈ 19 500
    assert abs((p**2).mean().item() - (128**2 + 3104)) < 1e-9
    assert "19\u202f500" in EXERCISES["sun.normalized_loss"].explanation
    assert "3104" in EXERCISES["sun.normalized_loss"].question
    assert check("sun.normalized_loss", 3104 / 128**2).ok and not check("sun.normalized_loss", 3072 / 128**2).ok
    assert "после запятой" in EXERCISES["sun.rmse"].question and "точкой" in EXERCISES["sun.rmse"].question


def test_code_checks_match_pytorch_and_name_the_failing_case():
    x = torch.randn(5, 7)
    assert torch.equal(B.my_max_pool(x), torch.nn.functional.max_pool2d(x[None, None], 2)[0, 0])
    for n, k, s, p, d in [(9, 3, 2, 1, 2), (16, 5, 3, 2, 1), (5, 2, 1, 0, 3)]:
        assert B.my_output_size(n, k, s, p, d) == conv_output_size(n, k, s, p, d)
        assert B.my_output_size(n, k, s, p, d) == torch.nn.Conv1d(1, 1, k, s, p, d)(torch.zeros(1, 1, n)).shape[-1]
    model = B.freeze_and_replace(B.freeze_cases()[0][0], 3)
    assert B.freeze_outcome(model, ()) == {
        "features заморожены": True,
        "скрытые слои головы обучаются": True,
        "последний слой обучается": True,
        "слоёв в голове": len(B.freeze_cases()[0][0].classifier),
        "форма выхода": (2, 3),
    }
    res = check("shapes.formula", lambda n, k, s, p, d: n)
    assert "для входа (32, 5, 2, 1, 1) ожидалось: 15, а получено: 32" in res.message  # первый неверный пример
    res = check("vgg.freeze", lambda model, n: 7)
    assert "упала" in res.message and "модель" in res.message


def test_getitem_check_agrees_with_the_lecture_class_and_the_package():
    ds, item = B.getitem_cases()[1]
    img, target = B.my_getitem(ds, item)
    ours = cc_dataset(ds.path, ds.transform)[item]
    assert torch.equal(img, ours[0]) and torch.equal(target, ours[1]) and target.dtype == torch.float32


def cc_dataset(split_dir, transform):
    """Набор пакета на той же папке части: cc.SunDataset(root, train=True)."""
    from pathlib import Path

    from cnn_course import SunDataset

    return SunDataset(Path(split_dir).parent, train=True, transform=transform)


QUIZZES = [key for key, ex in EXERCISES.items() if ex.options]


def test_every_lesson_has_a_multiple_choice_question():
    assert {EXERCISES[k].number.split(".")[0] for k in QUIZZES} == {str(les.number) for les in LESSONS}


@pytest.mark.parametrize("key", QUIZZES)
def test_quiz_options_work_without_a_kernel(key):
    ex = EXERCISES[key]
    numbers = [n for n, _ in ex.options]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3
    assert ex.answer in numbers
    # у каждого неверного варианта — своё объяснение, а не общая подсказка
    assert {n for n, _ in ex.mistakes} == set(numbers) - {ex.answer}
    page = ex._repr_html_()
    assert page.count('<details class="cc-option">') == len(numbers)
    assert page.count("✔ Верно!") == 1 and page.count("✘ Неверно.") == len(numbers) - 1
    right = page.split('<details class="cc-option">')[ex.answer]
    assert "✔ Верно!" in right and "Варианты:" not in page and "Впишите номер" not in page.split("</details>")[0]


@pytest.mark.parametrize("key", QUIZZES)
def test_every_wrong_option_gets_its_own_why(key):
    """Вопросы с выбором вместо TYPICAL: каждый неверный номер получает своё объяснение, и только его."""
    ex = EXERCISES[key]
    why = dict(ex.mistakes)
    assert set(why) == {n for n, _ in ex.options} - {ex.answer}
    assert all(text.strip() for text in why.values()) and len(set(why.values())) == len(why)
    for n, text in why.items():
        res = check(key, n)
        assert not res.ok and res.status == "wrong" and text in res.message
        assert not any(other in res.message for m, other in why.items() if m != n), (key, n)
        assert ex.explanation not in res.message


def test_other_exercises_stay_markdown():
    assert EXERCISES["conv.params"]._repr_html_() is None
    assert EXERCISES["conv.params"].options == ()


@pytest.mark.parametrize("key", [k for k, ex in EXERCISES.items() if ex.is_code])
def test_code_cases_separate_every_variant(key):
    """Примеры упражнения на код различают эталон и каждую типичную ошибку, а ошибки — между собой:
    иначе ученик с неверной формулой получит «Верно!» или чужую подсказку."""
    ex = EXERCISES[key]
    cases, outcome, _ = E.CODE_SPECS[key]
    variants = [ex.answer] + [wrong for wrong, _ in ex.mistakes]
    results = [[outcome(fn(*args), args) for args in cases()] for fn in variants]
    for i in range(len(variants)):
        for j in range(i + 1, len(variants)):
            same = all(E._same_result(a, b) for a, b in zip(results[i], results[j]))
            assert not same, f"{key}: примеры не различают {variants[i].__name__} и {variants[j].__name__}"


def test_size_cases_have_remainders_dilation_and_padding():
    cases = B.size_cases()
    assert any((n + 2 * p - d * (k - 1)) % s for n, k, s, p, d in cases), "нужен пример с остатком"
    assert any((n + 2 * p - d * (k - 1)) % s and p > 0 for n, k, s, p, d in cases)
    assert any((n + 2 * p - d * (k - 1)) % s and d > 1 for n, k, s, p, d in cases)


def test_quiz_of_a_lesson_shows_its_bank_questions():
    from cnn_course import quiz
    from cnn_course._quiz_bank import QUIZ

    for lesson in LESSONS:
        q = quiz(lesson.number)
        keys = [item["key"] for item in QUIZ if item["key"].split(".")[0] == lesson.exercise_prefix]
        assert [ex.key for ex in q.items] == keys
        assert all(ex.options for ex in q.items)
        assert q._repr_html_().count('class="cc-quiz"') == len(keys)
    with pytest.raises(ValueError, match="нет урока 99"):
        quiz(99)
    with pytest.raises(TypeError, match="номер урока"):
        quiz("1")
