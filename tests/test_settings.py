"""Режимы запуска: один переключатель, понятные ошибки."""

import pytest

from cnn_course.settings import by_mode, run_mode


@pytest.mark.parametrize(
    "env,mode",
    [
        ({}, "default"),
        ({"CNN_COURSE_MODE": "smoke"}, "smoke"),
        ({"CNN_COURSE_MODE": "lecture"}, "lecture"),
        ({"CNN_COURSE_MODE": "Smoke "}, "smoke"),
        ({"CNN_COURSE_MODE": ""}, "default"),
    ],
)
def test_run_mode(monkeypatch, env, mode):
    for name in ("CNN_COURSE_FAST", "CNN_COURSE_FULL", "CNN_COURSE_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert run_mode() == mode
    assert by_mode(smoke=1, default=2, lecture=3) == {"smoke": 1, "default": 2, "lecture": 3}[mode]
    assert by_mode(smoke=1, default=2) == (1 if mode == "smoke" else 2)


@pytest.mark.parametrize(
    "env,match",
    [
        ({"CNN_COURSE_MODE": "fast"}, "CNN_COURSE_MODE"),
        ({"CNN_COURSE_FAST": "1"}, "CNN_COURSE_MODE=smoke"),
        ({"CNN_COURSE_FULL": "1"}, "CNN_COURSE_MODE=lecture"),
        ({"CNN_COURSE_MODE": "default", "CNN_COURSE_FAST": "0"}, "больше не используется"),
    ],
)
def test_run_mode_rejects_contradictions(monkeypatch, env, match):
    for name in ("CNN_COURSE_FAST", "CNN_COURSE_FULL", "CNN_COURSE_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=match):
        run_mode()
    with pytest.raises(ValueError, match="mode"):
        by_mode(smoke=1, default=2, mode="full")
