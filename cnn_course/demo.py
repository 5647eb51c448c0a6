"""Показ ошибок в уроках: ячейка-демонстрация падает, если ожидаемой ошибки не было."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator

from .formatting import callout, show_html

__all__ = ["expect_error", "ExpectedErrorMissing"]


class ExpectedErrorMissing(AssertionError):
    """Код в ``expect_error`` выполнился без ожидаемой ошибки — демонстрация больше неверна."""


def _show(title: str, message: str) -> None:
    """Показывает сообщение об ошибке плашкой (в Jupyter) или текстом."""
    body = f"<b>{html.escape(title)}</b>\n{html.escape(message)}"
    style = (
        "margin:4px 0;white-space:pre-wrap;overflow-wrap:break-word;word-break:normal;"
        "font-family:var(--jp-code-font-family, monospace);font-size:0.9em"
    )
    show_html(callout("warning", body, css_class="cc-expected-error", style=style), f"{title}\n{message}")


@contextlib.contextmanager
def expect_error(
    error: type[BaseException] | tuple[type[BaseException], ...],
    match: str | None = None,
    *,
    title: str = "Ошибка, как и ожидалось",
) -> Iterator[None]:
    """Контекст для демонстрации ошибки: показывает её сообщение и проверяет, что она была.

    Пример::

        with cc.expect_error(ValueError, match="каналов"):
            conv(torch.randn(1, 1, 8, 8))

    Args:
        error: ожидаемый класс исключения (или кортеж классов).
        match: регулярное выражение, которое должно найтись в сообщении (необязательно).
        title: заголовок показанного блока.

    Raises:
        ExpectedErrorMissing: ошибки не было или её сообщение не подошло под ``match``.
        Любое другое исключение пробрасывается как есть.
    """
    classes = error if isinstance(error, tuple) else (error,)
    if not classes or not all(isinstance(c, type) and issubclass(c, BaseException) for c in classes):
        raise TypeError(f"error: ожидался класс исключения (например, ValueError), получено {error!r}")
    names = " или ".join(c.__name__ for c in classes)
    try:
        yield
    except classes as err:
        text = str(err)
        if match is not None and not re.search(match, text):
            raise ExpectedErrorMissing(
                f"Ожидалась ошибка {names} с текстом, подходящим под {match!r}, а пришло: {text}"
            ) from err
        _show(f"{title} ({type(err).__name__}):", text)
    else:
        raise ExpectedErrorMissing(f"Ожидалась ошибка {names}, но код выполнился без неё")
