"""cc.expect_error: демонстрация ошибки в уроке падает, если ошибки нет."""

import pytest

from cnn_course.demo import ExpectedErrorMissing, expect_error


def test_expected_error_is_shown_and_swallowed(capsys):
    with expect_error(ValueError, match="каналов"):
        raise ValueError("ждёт 3 каналов")
    assert "Ошибка, как и ожидалось (ValueError):\nждёт 3 каналов" in capsys.readouterr().out


def test_missing_error_fails_the_cell():
    with pytest.raises(ExpectedErrorMissing, match="без неё"):
        with expect_error(ValueError):
            pass


def test_wrong_message_or_other_error_fails():
    with pytest.raises(ExpectedErrorMissing, match="подходящим"):
        with expect_error(ValueError, match="каналов"):
            raise ValueError("совсем другое")
    with pytest.raises(KeyError):
        with expect_error(ValueError):
            raise KeyError("x")
    with pytest.raises(TypeError, match="класс исключения"):
        with expect_error("ValueError"):
            pass
