"""Упражнения: верный ответ принимается, типичные ошибки отклоняются с нужной подсказкой."""

import pytest
import torch

from cnn_course import EXERCISES, CheckResult, check, exercise
from cnn_course.shapes import conv_output_size


def test_every_exercise_accepts_its_answer_and_rejects_mistakes():
    for key, ex in EXERCISES.items():
        assert check(key, ex.answer).ok, key
        assert ex.mistakes, f"{key}: нет ни одной типичной ошибки"
        for wrong, hint in ex.mistakes:
            res = check(key, wrong)
            assert not res.ok and hint in res.message, (key, wrong)


@pytest.mark.parametrize("key,right,wrongs", [
    ("conv.params", sum(p.numel() for p in torch.nn.Conv2d(3, 16, 3).parameters()), [432, 160, 0, 449]),
    ("conv.output_size", conv_output_size(32, 5, stride=2, padding=1), [16, 14, 28]),
    ("conv.z_value", 4, [3, -2, 5]),
    ("conv.relu", 0, [-2.5, 2.5]),
])
def test_answers_computed_independently(key, right, wrongs):
    assert check(key, right)
    for w in wrongs:
        assert not check(key, w)


def test_unknown_wrong_answer_gets_general_hint():
    res = check("conv.params", 1000)
    assert not res.ok and "Подсказка" in res.message


def test_missing_and_bad_answers():
    assert "впишите" in check("conv.params", ...).message
    assert not check("conv.params", None)
    res = check("conv.params", "448 штук")
    assert not res.ok and "Ожидалось число" in res.message


def test_tensor_and_float_answers():
    assert check("conv.params", torch.tensor(448))
    assert check("conv.relu", 0.0)


def test_repr_and_unknown_key():
    res = check("conv.relu", 0)
    assert isinstance(res, CheckResult) and str(res).startswith("✅")
    assert "Верно" in res._repr_html_()
    assert "conv.params" in exercise("conv.params")._repr_markdown_()
    with pytest.raises(KeyError, match="conv.params"):
        check("nope", 1)


def _pool(x, k, mode):
    return {"max": torch.nn.MaxPool2d(k), "avg": torch.nn.AvgPool2d(k)}[mode](x)


def test_lesson2_and_3_answers_computed_with_torch():
    from cnn_course import MinPool2d, receptive_field
    assert check("pool.output_shape", tuple(torch.nn.MaxPool2d(2)(torch.zeros(8, 16, 64, 64)).shape))
    win = torch.tensor([[[[1.0, -3.0], [4.0, 0.0]]]])
    assert check("pool.modes", (_pool(win, 2, "max").item(), MinPool2d(2)(win).item(), _pool(win, 2, "avg").item()))
    x = torch.zeros(1, 1, 7, 7)
    assert check("pool.odd_size", (torch.nn.MaxPool2d(2)(x).shape[-1], torch.nn.MaxPool2d(2, ceil_mode=True)(x).shape[-1]))
    assert check("pool.params", sum(p.numel() for p in torch.nn.MaxPool2d(2).parameters()))
    assert check("shapes.conv_weight", torch.nn.Conv2d(3, 16, 5).weight.shape)
    blocks = []
    for c_in, c_out in [(3, 8), (8, 8), (8, 4)]:
        blocks += [torch.nn.Conv2d(c_in, c_out, 3, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
    flat = torch.nn.Sequential(*blocks, torch.nn.Flatten())(torch.zeros(1, 3, 128, 128))
    assert check("shapes.flatten", flat.shape[1])
    assert check("shapes.conv1d", torch.nn.Conv1d(1, 8, 5, stride=2)(torch.zeros(4, 1, 100)).shape)
    assert check("shapes.receptive_field", receptive_field([torch.nn.Conv2d(1, 1, 3)] * 3).size)
    assert not check("shapes.conv_weight", (16, 3, 5, 5, 1))
