"""Банк вопросов с выбором (``cnn_course._quiz_bank.QUIZ``): устройство вопросов и факты, на которых
стоят их ответы.

Факты не переписываются из текста вопроса, а вычисляются PyTorch: рецептивное поле — градиентом,
свёртка — явной матрицей и ``F.unfold``, BatchNorm — в обоих режимах и т. д. Каждый тест фактов
заканчивается проверкой, что ключ вопроса указывает на вариант, который этот факт подтверждает.
"""

from __future__ import annotations

import subprocess
import sys

import _spell
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_course import EXERCISES, LESSONS, check
from cnn_course._exercise_bank import BANK
from cnn_course._quiz_bank import QUIZ, _quiz
from cnn_course.models import SoftArgmax2d, sun_regressor
from cnn_course.shapes import receptive_field

PREFIXES = {les.exercise_prefix for les in LESSONS}
KEYS = [q["key"] for q in QUIZ]
F64 = torch.float64


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def keyed(key: str, words: str) -> int:
    """Номер единственного варианта, в тексте которого есть ``words`` (или который равен ``words``);
    проверяет, что именно он — ответ вопроса ``key``."""
    choices = EXERCISES[key].choices
    found = [n for n, text in enumerate(choices, 1) if text == words] or [
        n for n, text in enumerate(choices, 1) if words in text
    ]
    assert len(found) == 1, f"{key}: «{words}» нашлось в вариантах {found}"
    assert check(key, found[0]).ok, f"{key}: факт подтверждает вариант {found[0]}, а ключ — {EXERCISES[key].answer}"
    return found[0]


def option(key: str, words: str) -> int:
    """Номер неверного варианта с ``words`` в тексте (или равного ``words``)."""
    choices = EXERCISES[key].choices
    found = [n for n, text in enumerate(choices, 1) if text == words] or [
        n for n, text in enumerate(choices, 1) if words in text
    ]
    assert len(found) == 1 and not check(key, found[0]).ok, (key, words, found)
    return found[0]


# --- устройство банка ---


def test_keys_have_lesson_prefixes_and_do_not_clash():
    assert len(set(KEYS)) == len(KEYS)
    assert not set(KEYS) & {item["key"] for item in BANK}
    for key in KEYS:
        prefix, _, name = key.partition(".")
        assert prefix in PREFIXES and name, key


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_every_lesson_has_five_questions_with_varied_answers(prefix):
    items = [q for q in QUIZ if q["key"].split(".")[0] == prefix]
    assert len(items) >= 5, f"{prefix}: вопросов {len(items)}"
    assert len({q["answer"] for q in items}) >= 3, f"{prefix}: верный вариант почти всегда на одном месте"


@pytest.mark.parametrize("key", KEYS)
def test_every_wrong_option_explains_its_own_mistake(key):
    q = next(q for q in QUIZ if q["key"] == key)
    ex = EXERCISES[key]
    assert 3 <= len(q["choices"]) <= 4
    whys = [why for _, why in q["mistakes"]]
    assert [n for n, _ in q["mistakes"]] == [n for n in range(1, len(q["choices"]) + 1) if n != q["answer"]]
    assert all(why.strip() for why in whys) and len(set(whys)) == len(whys), "у каждой ошибки своё объяснение"
    assert q["explanation"] not in whys and q["hint"] not in whys
    for n, why in q["mistakes"]:
        res = check(key, n)
        assert not res.ok and why in res.message
        assert not any(other in res.message for other in whys if other != why)
    assert check(key, q["answer"]).ok
    # вопрос без HTML перечисляет варианты через «; » — внутри варианта точка с запятой запутала бы
    assert not any(";" in text for text in q["choices"])
    assert ex.stem == q["stem"] and ex.options


def test_quiz_helper_requires_exactly_one_right_option():
    with pytest.raises(ValueError, match="ровно один"):
        _quiz("conv.x", "?", "", "", ("a", None), ("b", None))
    with pytest.raises(ValueError, match="ровно один"):
        _quiz("conv.x", "?", "", "", ("a", "нет"), ("b", "нет"))


@pytest.mark.skipif(not _spell.hunspell_available(), reason="нет hunspell со словарями ru_RU и en_US")
def test_quiz_spelling():
    texts = {
        q["key"]: "\n".join([q["stem"], q["explanation"], q["hint"], *q["choices"], *(w for _, w in q["mistakes"])])
        for q in QUIZ
    }
    words = _spell.misspelled("\n\n".join(texts.values()))  # один вызов hunspell на весь банк
    bad = {key: [w for w in words if w in text] for key, text in texts.items() if any(w in text for w in words)}
    assert not words, f"слова не найдены в словарях: {bad}"


# --- урок 1 ---


def conv_matrix(w: torch.Tensor, h: int, wd: int) -> torch.Tensor:
    """Матрица C свёртки одного канала без дополнения: y.flatten() = C @ x.flatten()."""
    basis = torch.eye(h * wd, dtype=w.dtype).view(h * wd, 1, h, wd)
    return F.conv2d(basis, w).flatten(1).T  # (выходов, входов)


def test_conv_is_a_sparse_matrix_with_shared_weights():
    w = torch.randn(1, 1, 3, 3, generator=gen(), dtype=F64)
    x = torch.randn(1, 1, 4, 4, generator=gen(1), dtype=F64)
    c = conv_matrix(w, 4, 4)
    assert c.shape == (4, 16)
    torch.testing.assert_close(c @ x.flatten(), F.conv2d(x, w).flatten())
    for row in c:  # 9 мест из 16 заняты, и это те же 9 весов ядра, по порядку
        assert int((row != 0).sum()) == 9
        assert torch.equal(row[row != 0], w.flatten())
    assert len(set(c[c != 0].tolist())) == 9  # у полносвязного слоя было бы 64 независимых числа
    # im2col: F.unfold собирает окна в столбцы 9×4, свёртка — вектор ядра на эту матрицу
    torch.testing.assert_close(w.flatten() @ F.unfold(x, 3)[0], F.conv2d(x, w).flatten())
    keyed("conv.as_matrix", "одни и те же 9 весов")
    option("conv.as_matrix", "свои 9 весов")


def test_filters_and_kernels_of_a_conv_layer():
    conv = nn.Conv2d(3, 8, kernel_size=3)
    filters, channels, kh, kw = conv.weight.shape
    assert (filters, channels, kh, kw) == (8, 3, 3, 3)
    assert conv(torch.zeros(1, 3, 5, 5)).shape[1] == filters  # фильтр — одна карта признаков
    assert filters * channels == 24  # ядро — срез k×k фильтра для одного входного канала
    assert len({tuple(conv.weight[f, c].flatten().tolist()) for f in range(8) for c in range(3)}) == 24
    keyed("conv.filter_kernel", "24 ядра")


def test_same_padding_with_an_even_kernel_is_asymmetric():
    from cnn_course.conv import same_padding

    x = torch.randn(1, 1, 6, 6, generator=gen(), dtype=F64)
    w = torch.randn(1, 1, 4, 4, generator=gen(1), dtype=F64)
    same = F.conv2d(x, w, padding="same")
    torch.testing.assert_close(same, F.conv2d(F.pad(x, (1, 2, 1, 2)), w))  # 1 слева/сверху, 2 справа/снизу
    assert not torch.allclose(same, F.conv2d(F.pad(x, (2, 1, 2, 1)), w))
    assert same_padding(4) == (1, 2)
    # ошибки учеников: по k // 2 = 2 и по k − 1 = 3 нуля с каждой стороны
    assert nn.Conv2d(1, 1, 4, padding=2)(torch.zeros(1, 1, 6, 6)).shape[-1] == 7
    assert nn.Conv2d(1, 1, 4, padding=3)(torch.zeros(1, 1, 6, 6)).shape[-1] == 9
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, padding="same", stride=2)
    # предупреждение выдаётся один раз на процесс — проверяем в отдельном
    code = (
        "import warnings, torch\n"
        "with warnings.catch_warnings(record=True) as ws:\n"
        "    warnings.simplefilter('always')\n"
        "    torch.nn.functional.conv2d(torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 4, 4), padding='same')\n"
        "print([(w.category.__name__, str(w.message)) for w in ws])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "UserWarning" in out and "even kernel" in out and "zero-padded copy" in out
    keyed("conv.same_even", "1 сверху (слева) и 2 снизу (справа)")


def test_flipping_the_kernel_changes_nothing_for_learned_kernels():
    x = torch.randn(1, 1, 9, 9, generator=gen(), dtype=F64)
    w = torch.randn(1, 1, 3, 3, generator=gen(1), dtype=F64)
    flipped = w.flip(-1, -2)
    assert F.conv2d(x, flipped).shape == F.conv2d(x, w).shape
    # обе операции эквивариантны к сдвигу (края убраны дополнением по кругу)
    for k in (w, flipped):
        conv = lambda t, k=k: F.conv2d(F.pad(t, (1, 1, 1, 1), mode="circular"), k)  # noqa: E731
        torch.testing.assert_close(conv(torch.roll(x, 2, -1)), torch.roll(conv(x), 2, -1))
    # перевёрнутый Собель — тот же Собель со знаком минус
    sobel = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=F64).view(1, 1, 3, 3)
    torch.testing.assert_close(sobel.flip(-1, -2), -sobel)
    # обучение (наименьшие квадраты по окнам) на ответах «настоящей» свёртки находит перевёрнутое ядро
    cols = F.unfold(x, 3)[0].T  # (49 окон, 9)
    target = F.conv2d(x, flipped).flatten()
    learned = torch.linalg.lstsq(cols, target[:, None]).solution.view(1, 1, 3, 3)
    torch.testing.assert_close(learned, flipped)
    keyed("conv.no_flip", "выучила бы перевёрнутые")


def test_stride_two_breaks_equivariance_for_odd_shifts():
    x = torch.randn(1, 1, 16, 16, generator=gen(), dtype=F64)
    w = torch.randn(1, 1, 3, 3, generator=gen(1), dtype=F64)
    conv = lambda t: F.conv2d(F.pad(t, (1, 1, 1, 1), mode="circular"), w, stride=2)  # noqa: E731
    y = conv(x)
    torch.testing.assert_close(conv(torch.roll(x, 2, -1)), torch.roll(y, 1, -1))  # чётный сдвиг — сдвиг карты
    y1 = conv(torch.roll(x, 1, -1))
    assert not any(torch.allclose(y1, torch.roll(y, s, -1)) for s in range(y.shape[-1]))
    keyed("conv.stride_shift", "на чётное число пикселей")


# --- урок 2 ---


def test_overlapping_max_pool_windows_add_their_gradients():
    x = torch.tensor([[[1.0, 5.0, 2.0, 0.0]]], requires_grad=True)
    out = F.max_pool1d(x, 2, stride=1)
    assert out.tolist() == [[[5.0, 5.0, 2.0]]]
    out.sum().backward()
    assert x.grad.tolist() == [[[0.0, 2.0, 1.0, 0.0]]]
    # равные числа в одном окне: градиент целиком первой клетке, а не пополам и не ноль
    tie = torch.tensor([[[[4.0, 4.0], [1.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(tie, 2).sum().backward()
    assert tie.grad.flatten().tolist() == [1.0, 0.0, 0.0, 0.0]
    keyed("pool.overlap_gradient", "2:")


def test_average_pooling_is_a_fixed_convolution_and_max_pooling_is_not_linear():
    x = torch.randn(2, 3, 8, 8, generator=gen(), dtype=F64)
    w = torch.full((3, 1, 2, 2), 0.25, dtype=F64)
    torch.testing.assert_close(F.conv2d(x, w, stride=2, groups=3), F.avg_pool2d(x, 2))
    a, b = torch.tensor([[[[1.0, 0], [0, 0]]]]), torch.tensor([[[[0.0, 1], [0, 0]]]])
    assert F.max_pool2d(a + b, 2).item() == 1 != F.max_pool2d(a, 2).item() + F.max_pool2d(b, 2).item()
    assert F.avg_pool2d(a + b, 2).item() == F.avg_pool2d(a, 2).item() + F.avg_pool2d(b, 2).item()
    keyed("pool.avg_as_conv", "усредняющий")


def test_strided_convolution_learns_pooling_does_not():
    x = torch.randn(1, 3, 16, 16, generator=gen())
    conv, pool = nn.Conv2d(3, 5, 3, stride=2, padding=1), nn.MaxPool2d(2)
    assert conv(x).shape == (1, 5, 8, 8) and pool(x).shape == (1, 3, 8, 8)  # каналы меняет свёртка
    assert sum(p.numel() for p in conv.parameters()) == 5 * 3 * 9 + 5
    assert not list(pool.parameters())
    # свёртка — взвешенная сумма (линейна), а не максимум
    lin = nn.Conv2d(3, 5, 3, stride=2, padding=1, bias=False)
    y = torch.randn(1, 3, 16, 16, generator=gen(1))
    torch.testing.assert_close(lin(x + y), lin(x) + lin(y), rtol=1e-5, atol=1e-5)
    keyed("pool.strided_conv", "обучаемые веса")


def test_max_pool_after_a_one_pixel_shift_is_partly_unchanged():
    x = torch.randn(1, 1, 32, 32, generator=gen())
    p = F.max_pool2d(x, 2)
    assert torch.equal(F.max_pool2d(torch.roll(x, 2, -1), 2), torch.roll(p, 1, -1))
    p1 = F.max_pool2d(torch.roll(x, 1, -1), 2)
    same = (p1 == p).float().mean().item()
    assert 0 < same < 1  # часть значений прежняя, часть нет
    assert not torch.equal(p1, torch.roll(p, 1, -1))
    keyed("pool.shift_by_one", "часть значений останется прежней")


def test_adaptive_pool_fixes_the_output_size_and_has_no_parameters():
    adaptive = nn.AdaptiveAvgPool2d(7)
    assert not list(adaptive.parameters())
    for size in (7, 14, 20, 224):
        assert adaptive(torch.zeros(1, 2, size, size)).shape[-2:] == (7, 7)
    assert nn.AvgPool2d(7)(torch.zeros(1, 2, 14, 14)).shape[-2:] == (2, 2)
    x = torch.randn(1, 1, 14, 14, generator=gen())
    torch.testing.assert_close(nn.AdaptiveAvgPool2d(7)(x), F.avg_pool2d(x, 2))  # усредняет
    torch.testing.assert_close(nn.AdaptiveMaxPool2d(7)(x), F.max_pool2d(x, 2))
    keyed("pool.adaptive", "размер выхода")


# --- урок 3 ---


def field_by_autograd(layers, size: int = 16, tries: int = 30) -> int:
    """Рецептивное поле центрального нейрона последней карты: сколько пикселей входа (по строке)
    хоть при одном случайном входе получают ненулевой градиент. Max-пулинг пропускает градиент
    только через максимум, поэтому берётся объединение по нескольким входам."""
    model = nn.Sequential(*layers)
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            nn.init.constant_(layer.weight, 1.0)
            nn.init.zeros_(layer.bias)
    seen = torch.zeros(size, size, dtype=torch.bool)
    g = gen()
    for _ in range(tries):
        x = torch.rand(1, 1, size, size, generator=g, requires_grad=True)
        out = model(x)
        out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
        seen |= x.grad[0, 0] != 0
    cols = seen.any(0).nonzero().flatten()
    return int(cols.max() - cols.min() + 1)


def test_receptive_field_through_a_pooling_layer():
    chain = [nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3)]
    assert field_by_autograd(chain) == receptive_field(chain).size == 8
    assert receptive_field(chain).stride == 2  # пулинг удвоил шаг j
    # ошибки учеников, посчитанные теми же ошибочными цепочками
    assert field_by_autograd([nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)]) == 5  # пулинг пропущен
    assert field_by_autograd([nn.Conv2d(1, 1, 3), nn.MaxPool2d(2, stride=1), nn.Conv2d(1, 1, 3)]) == 6  # без шага
    assert field_by_autograd([nn.Conv2d(1, 1, 3)] * 3) == 7  # пулинг как ещё одна свёртка 3×3
    keyed("shapes.rf_through_pool", "8")
    for wrong in ("5", "6", "7"):
        option("shapes.rf_through_pool", wrong)


def test_transposed_matrix_is_the_input_gradient_and_conv_transpose():
    w = torch.randn(1, 1, 3, 3, generator=gen(), dtype=F64)
    x = torch.randn(1, 1, 4, 4, generator=gen(1), dtype=F64, requires_grad=True)
    g = torch.randn(1, 1, 2, 2, generator=gen(2), dtype=F64)
    c = conv_matrix(w, 4, 4)
    assert c.T.shape == (16, 4)
    (F.conv2d(x, w) * g).sum().backward()
    torch.testing.assert_close(x.grad.flatten(), c.T @ g.flatten())  # градиент по входу — Cᵀ·g
    torch.testing.assert_close(F.conv_transpose2d(g, w).flatten(), c.T @ g.flatten())
    assert F.conv_transpose2d(g, w).shape == (1, 1, 4, 4)
    # не обращение: ранг C не больше 4, и Cᵀ·C·x ≠ x
    assert torch.linalg.matrix_rank(c) <= 4
    assert not torch.allclose(c.T @ c @ x.detach().flatten(), x.detach().flatten())
    keyed("shapes.transposed", "градиент по входу")


def test_batchnorm_in_train_mode_on_the_test_set():
    bn = nn.BatchNorm2d(3)
    bn.train()
    x = torch.randn(4, 3, 5, 5, generator=gen())
    others = 10 * torch.randn(3, 3, 5, 5, generator=gen(1))
    weight, bias, running = bn.weight.clone(), bn.bias.clone(), bn.running_mean.clone()
    with torch.no_grad():  # ошибки нет
        a = bn(x)[0]
        b = bn(torch.cat([x[:1], others]))[0]
    assert not torch.allclose(a, b)  # ответ на ту же картинку зависит от соседей по батчу
    assert not torch.equal(running, bn.running_mean)  # накопленные статистики сдвинулись
    assert torch.equal(weight, bn.weight) and torch.equal(bias, bn.bias)  # масштаб и сдвиг — нет
    bn.eval()
    with torch.no_grad():
        torch.testing.assert_close(bn(x)[:1], bn(x[:1]))
    keyed("shapes.bn_eval", "статистикам тестового батча")


def test_batchnorm_needs_more_than_one_value_per_channel():
    bn2 = nn.BatchNorm2d(3).train()
    out = bn2(torch.randn(1, 3, 32, 32, generator=gen()))  # одна картинка — 1024 числа на канал
    torch.testing.assert_close(out.mean((0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    assert not torch.allclose(out.mean(1), torch.zeros(1, 32, 32), atol=1e-2)  # по каналам не нормирует
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn2(torch.randn(1, 3, 1, 1))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3).train()(torch.randn(1, 3))
    assert nn.BatchNorm2d(3).eval()(torch.randn(1, 3, 1, 1)).shape == (1, 3, 1, 1)
    keyed("shapes.bn_one_value", "по (N, H, W)")


def test_adaptive_pool_fixes_shapes_of_the_lecture_model():
    model = sun_regressor(seed=0).eval()
    x = torch.rand(1, 3, 200, 200, generator=gen())
    with torch.no_grad(), pytest.raises(RuntimeError, match="1x2500 and 4096x128"):
        model(x)
    flatten = next(i for i, layer in enumerate(model) if isinstance(layer, nn.Flatten))
    layers = list(model)
    fixed = nn.Sequential(*layers[:flatten], nn.AdaptiveAvgPool2d(32), *layers[flatten:])
    with torch.no_grad():
        assert fixed[: flatten + 2](x).shape == (1, 4096)
        assert fixed(x).shape == (1, 2)
        both = nn.Sequential(*layers[:flatten], nn.AdaptiveAvgPool2d(32), nn.Flatten(), nn.Linear(2500, 128))
        with pytest.raises(RuntimeError, match="4096 and 2500"):
            both(x)
    keyed("shapes.adaptive_fix", "ошибки не будет")


# --- урок 4 ---


def test_mse_rmse_units_and_averaging():
    assert round(7.398**0.5, 2) == 2.72
    assert 0.23**0.5 > 0.23  # у MSE меньше 1 корень больше самой MSE
    pred = torch.tensor([[130.0, 100.0], [60.0, 70.0], [200.0, 200.0]])
    target = torch.tensor([[128.0, 101.0], [64.0, 70.0], [190.0, 203.0]])
    err = pred - target
    mse = F.mse_loss(pred, target)
    torch.testing.assert_close(mse, (err**2).mean())  # среднее по всем 2N числам
    rmse, mae = mse.sqrt(), err.abs().mean()
    assert rmse > mae  # RMSE — не средний модуль ошибки
    dist_rms = (err**2).sum(1).mean().sqrt()
    torch.testing.assert_close(dist_rms, 2**0.5 * rmse)
    keyed("sun.rmse_units", "в квадратных пикселях")


def test_why_targets_are_normalized():
    def train(scale: float) -> torch.Tensor:
        torch.manual_seed(1)
        lin = nn.Linear(3, 1)
        opt = torch.optim.Adam(lin.parameters(), lr=1e-2)
        x = torch.randn(32, 3, generator=gen())
        y = x.sum(1, keepdim=True) * 50 + 128
        for _ in range(20):
            opt.zero_grad()
            (scale * F.mse_loss(lin(x), y)).backward()
            opt.step()
        return lin.weight.detach()

    torch.testing.assert_close(train(1.0), train(1000.0), atol=1e-6, rtol=0)  # Adam не видит масштаба потери
    # новая сеть лекции отвечает почти нулём, а цели — от 32 до 224 пикселей
    with torch.no_grad():
        out = sun_regressor(seed=0)(torch.rand(4, 3, 256, 256, generator=gen()))
    assert out.abs().max() < 1
    # та же ошибка в нормированных единицах — та же ошибка в пикселях, только делённая на 128
    pred, target = torch.tensor([130.0, 60.0]), torch.tensor([128.0, 64.0])
    norm = lambda p: (p - 128) / 128  # noqa: E731
    torch.testing.assert_close(F.mse_loss(norm(pred), norm(target)).sqrt() * 128, F.mse_loss(pred, target).sqrt())
    keyed("sun.why_normalize", "выход новой сети около нуля")


def test_epoch_mean_loss_lags_behind_the_weights():
    losses = [30.0, 20.0, 12.0, 9.0, 7.0]  # потери батчей эпохи при улучшающихся весах
    mean = 0.0
    for k, value in enumerate(losses, 1):
        mean = 1 / k * value + (1 - 1 / k) * mean  # формула лекции
    assert mean == pytest.approx(sum(losses) / len(losses))
    assert mean > losses[-1]
    # у модели лекции нет ни Dropout, ни BatchNorm: eval() её ответов не меняет
    model = sun_regressor(seed=0)
    assert not any(isinstance(m, (nn.Dropout, nn.BatchNorm2d, nn.BatchNorm1d)) for m in model.modules())
    x = torch.rand(2, 3, 256, 256, generator=gen())
    with torch.no_grad():
        torch.testing.assert_close(model.train()(x), model.eval()(x))
    # weight_decay в Adam меняет шаг (через градиент), но не значение потери
    lin = nn.Linear(2, 1)
    opt = torch.optim.Adam(lin.parameters(), lr=0.1, weight_decay=0.5)
    xs, ys = torch.randn(8, 2, generator=gen()), torch.randn(8, 1, generator=gen(1))
    loss = F.mse_loss(lin(xs), ys)
    torch.testing.assert_close(loss, ((lin(xs) - ys) ** 2).mean())
    opt.zero_grad()
    loss.backward()
    grad = lin.weight.grad.clone()
    opt.step()
    assert torch.equal(lin.weight.grad, grad)  # к .grad штраф не прибавлен: он внутри шага
    keyed("sun.train_vs_test", "не лучшими весами")


def test_shuffle_reorders_examples_every_epoch_and_keeps_pairs():
    ds = torch.utils.data.TensorDataset(torch.arange(20), torch.arange(20) * 10)
    loader = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True, generator=gen())
    epochs = [[(int(a), int(b)) for xs, ys in loader for a, b in zip(xs, ys)] for _ in range(2)]
    for order in epochs:
        assert all(b == 10 * a for a, b in order)  # пары не разорваны
        assert sorted(a for a, _ in order) == list(range(20))  # каждый пример ровно раз
    assert epochs[0] != epochs[1]  # порядок новый каждую эпоху
    # среднее по всем примерам от порядка не зависит
    values = torch.randn(20, generator=gen(1), dtype=F64)
    assert values.mean().item() == pytest.approx(values[torch.randperm(20, generator=gen(2))].mean().item())
    keyed("sun.shuffle", "в начале каждой эпохи")


def test_soft_argmax_trains_only_the_mean():
    head = SoftArgmax2d(image_size=8)
    one = torch.full((1, 1, 8, 8), -30.0)
    one[0, 0, 3, 3] = one[0, 0, 3, 4] = 0.0  # одно пятно
    two = torch.full((1, 1, 8, 8), -30.0)
    two[0, 0, 3, 1] = two[0, 0, 3, 6] = 0.0  # два пятна по бокам, тот же центр масс
    torch.testing.assert_close(head(one), head(two))
    target = torch.tensor([[0.1, -0.2]])
    assert F.mse_loss(head(one), target) == F.mse_loss(head(two), target)  # та же потеря
    weights = torch.softmax(two.flatten(1), dim=1)
    assert (weights > 0).all() and weights.sum().item() == pytest.approx(1)
    keyed("sun.softargmax_weights", "обучается только среднее")


# --- урок 5 ---


def test_most_vgg_parameters_are_in_the_first_linear_layer():
    import torchvision

    with torch.device("meta"):
        vgg = torchvision.models.vgg16()
    total = sum(p.numel() for p in vgg.parameters())
    fc1, fc2 = vgg.classifier[0], vgg.classifier[3]
    share = sum(p.numel() for p in fc1.parameters()) / total
    assert (fc1.in_features, fc1.out_features) == (25088, 4096) and 0.74 < share < 0.75
    assert fc2.out_features == 4096 and sum(p.numel() for p in fc2.parameters()) == 16_781_312
    convs = [m for m in vgg.features if isinstance(m, nn.Conv2d)]
    assert max(sum(p.numel() for p in c.parameters()) for c in convs) == 3 * 3 * 512 * 512 + 512
    # умножения прямого прохода картинки 224×224: свёртки — в каждой точке карты
    macs = {"conv": 0, "linear": 0}

    def count(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            macs["conv"] += output[0].numel() * module.in_channels * module.kernel_size[0] * module.kernel_size[1]
        else:
            macs["linear"] += module.weight.numel()

    for m in vgg.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(count)
    vgg(torch.zeros(1, 3, 224, 224, device="meta"))
    assert 15.3e9 < macs["conv"] < 15.4e9 and 0.12e9 < macs["linear"] < 0.13e9
    # число весов свёртки от размера карты не зависит
    assert sum(p.numel() for p in convs[-1].parameters()) == 2_359_808
    keyed("vgg.fc_params", "свой вес для каждой пары")


def test_three_3x3_convolutions_against_one_7x7():
    assert receptive_field([nn.Conv2d(1, 1, 3)] * 3).size == 7 == field_by_autograd([nn.Conv2d(1, 1, 3)] * 3)
    c = 64
    stack = sum(nn.Conv2d(c, c, 3, bias=False).weight.numel() for _ in range(3))
    assert (stack, nn.Conv2d(c, c, 7, bias=False).weight.numel()) == (27 * c * c, 49 * c * c)

    # без ReLU три ядра 3×3 складываются в одно 7×7 — но лишь в ядра особого вида
    def composed(params: torch.Tensor) -> torch.Tensor:
        k1, k2, k3 = params.view(3, 1, 1, 3, 3)
        delta = torch.zeros(1, 1, 13, 13, dtype=params.dtype)
        delta[0, 0, 6, 6] = 1
        out = F.conv2d(F.conv2d(F.conv2d(delta, k1), k2), k3)  # (1, 1, 7, 7)
        return out.flip(-1, -2).flatten()

    params = torch.randn(27, generator=gen(), dtype=F64)
    kernel = composed(params).view(1, 1, 7, 7)
    k1, k2, k3 = params.view(3, 1, 1, 3, 3)
    x = torch.randn(1, 1, 12, 12, generator=gen(1), dtype=F64)
    torch.testing.assert_close(F.conv2d(F.conv2d(F.conv2d(x, k1), k2), k3), F.conv2d(x, kernel))
    jac = torch.autograd.functional.jacobian(composed, params)  # (49, 27)
    assert torch.linalg.matrix_rank(jac) < 49  # все 49 чисел ядра 7×7 стопкой не задать
    keyed("vgg.stack_3x3", "ReLU три вместо одной")


def test_frozen_features_still_update_batchnorm_statistics():
    from cnn_course import make_vgg

    model = make_vgg([8, "M", 16, "M"], num_outputs=2, batch_norm=True, pool_size=2, hidden=16, seed=0)
    for p in model.features.parameters():
        p.requires_grad = False
    before = {k: v.clone() for k, v in model.features.state_dict().items()}
    opt = torch.optim.AdamW(model.parameters(), lr=0.1, weight_decay=0.1)  # и замороженные, со штрафом
    model.train()
    x = torch.rand(8, 3, 16, 16, generator=gen()) + 1
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    after = model.features.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.endswith(("running_mean", "running_var", "num_batches_tracked")) for k in changed)
    # в eval() статистики не меняются
    model.features.eval()
    frozen = {k: v.clone() for k, v in model.features.state_dict().items()}
    model(x)
    assert all(torch.equal(frozen[k], v) for k, v in model.features.state_dict().items())
    keyed("vgg.frozen_bn", "`running_mean` и `running_var`")


def test_pretrained_vgg_expects_imagenet_normalisation_and_fails_silently_without_it():
    import torchvision

    weights = torchvision.models.VGG16_Weights.IMAGENET1K_V1
    prep = weights.transforms()  # объект весов знает свои преобразования без скачивания
    assert list(prep.mean) == [0.485, 0.456, 0.406] and list(prep.std) == [0.229, 0.224, 0.225]
    assert (list(prep.resize_size), list(prep.crop_size)) == ([256], [224])
    with torch.device("meta"):
        vgg, vgg_bn = torchvision.models.vgg16(), torchvision.models.vgg16_bn()
    assert not any(isinstance(m, nn.BatchNorm2d) for m in vgg.modules())
    assert isinstance(vgg_bn.features[1], nn.BatchNorm2d)  # у vgg16_bn — после свёртки, а не на входе
    for size in (32, 200, 224):  # ошибки формы нет: адаптивный пулинг
        assert vgg(torch.zeros(1, 3, size, size, device="meta")).shape == (1, 1000)
    with pytest.raises(RuntimeError, match="too small"):
        vgg(torch.zeros(1, 3, 31, 31, device="meta"))
    keyed("vgg.transforms", "ошибки не будет")


def test_topk_of_logits_and_of_probabilities():
    logits = 3 * torch.randn(1, 1000, generator=gen())
    probs = logits.softmax(dim=1)
    assert torch.equal(logits.topk(5).indices, probs.topk(5).indices)
    assert not torch.allclose(logits.topk(5).values, probs.topk(5).values)
    assert (logits < 0).any()
    assert torch.equal(logits.softmax(dim=0), torch.ones(1, 1000))  # по оси батча — одни единицы
    keyed("vgg.topk", "те же классы в том же порядке")


# --- урок 6: классификация и остаточные связи ---


def test_cross_entropy_takes_logits_and_a_second_softmax_hurts():
    ce = nn.CrossEntropyLoss()
    logits = 5 * torch.randn(64, 5, generator=gen(6))
    y = torch.randint(0, 5, (64,), generator=gen(7))
    manual = -torch.log_softmax(logits, 1)[torch.arange(64), y].mean()
    torch.testing.assert_close(ce(logits, y), manual)  # внутри — log-softmax от логитов
    a, b = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    ce(a, y).backward()
    ce(b.softmax(1), y).backward()
    assert b.grad.norm() < a.grad.norm() / 3  # двойной softmax: градиенты в разы меньше
    assert ce(torch.eye(5), torch.arange(5)) > 0.5  # и даже идеальные вероятности не дают потерю 0
    keyed("cls.ce_input", "логиты — выход последнего `Linear` без softmax")


def test_cross_entropy_targets_are_class_numbers_of_shape_n():
    ce, logits = nn.CrossEntropyLoss(), torch.randn(32, 5, generator=gen(8))
    y = torch.randint(0, 5, (32,), generator=gen(9))
    assert ce(logits, y).ndim == 0
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        ce(logits, y[:, None])
    with pytest.raises(RuntimeError, match="Long"):
        ce(logits, y.float())
    keyed("cls.target_shape", "(32,) типа int64 — номер класса каждого примера")


def test_accuracy_of_always_the_majority_class():
    from cnn_course import accuracy

    labels = torch.tensor([0] * 90 + [1] * 5 + [2] * 5)
    always_zero = torch.zeros(100, 3)
    always_zero[:, 0] = 1  # логиты: всегда класс 0
    assert accuracy(always_zero, labels) == pytest.approx(0.9)
    keyed("cls.accuracy_trap", "матрица ошибок")


def test_residual_skip_needs_a_projection_when_shapes_change():
    x = torch.randn(2, 64, 16, 16, generator=gen(10))
    f = nn.Conv2d(64, 128, 3, stride=2, padding=1)
    with pytest.raises(RuntimeError, match="must match"):
        f(x) + x
    assert nn.ReLU()(x).shape == x.shape  # ReLU форму не меняет
    projection = nn.Conv2d(64, 128, 1, stride=2)
    assert (f(x) + projection(x)).shape == (2, 128, 8, 8)
    keyed("cls.skip_shapes", "свёртку 1×1 со 128 фильтрами и шагом 2")


def test_identity_skip_adds_no_parameters_and_zero_branch_is_identity():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.f = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1))

        def forward(self, x):
            return self.f(x) + x

    block, plain = Block(), nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1))
    assert sum(p.numel() for p in block.parameters()) == sum(p.numel() for p in plain.parameters())
    for p in block.f.parameters():
        nn.init.zeros_(p)
    x = torch.randn(1, 8, 6, 6, generator=gen(11), requires_grad=True)
    out = block(x)
    torch.testing.assert_close(out, x)  # F ≈ 0 — блок ничего не меняет
    out.sum().backward()
    torch.testing.assert_close(x.grad, torch.ones_like(x))  # градиент проходит по обходу целиком
    keyed("cls.why_residual", "блоку легко выучить")
