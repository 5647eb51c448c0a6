"""Упражнения для самопроверки: ученик вписывает ответ, функция check() отвечает по-русски.

Упражнения нумеруются по урокам: «Упражнение 1.2» — второе упражнение урока 1 (номер урока
берётся из префикса ключа через ``lessons.LESSONS``). Ответ — число, кортеж чисел (форма тензора)
или, в упражнениях на код, функция. После неверной попытки ``reveal("1.2")`` показывает ответ.
"""

from __future__ import annotations

import decimal
import fractions
import html
import inspect
import math
import numbers
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torch

from ._exercise_bank import BANK
from ._exercise_code import CODE_SPECS
from ._quiz_bank import QUIZ
from .formatting import count_words, fmt
from .lessons import LESSONS

__all__ = ["Exercise", "CheckResult", "EXERCISES", "Quiz", "check", "exercise", "quiz", "reveal"]

RIGHT, WRONG = "\u2714", "\u2718"  # ✔ и ✘: эти знаки есть в шрифтах DejaVu (в отличие от эмодзи)
_MAX_SHOWN = 60  # столько символов чужого ответа показываем в сообщении

_Answer = int | float | tuple[int | float, ...]  # ответ после приведения: число или кортеж чисел


def _inline_html(text: str) -> str:
    """Markdown в строке → HTML: `код` → <code>, **жирный** → <b> (остальное экранируется)."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(part)))
    return "".join(out)


def _plain(text: str) -> str:
    """Текст для печати без разметки: обратные кавычки и звёздочки убираются."""
    return re.sub(r"\*\*(.+?)\*\*", r"\1", re.sub(r"`([^`]*)`", r"\1", text))


@dataclass(frozen=True)
class Exercise:
    """Одно упражнение: вопрос, верный ответ, типичные ошибки с подсказками.

    Attributes:
        key: внутренний ключ (``'conv.params'``); префикс до точки — урок.
        question, explanation, hint: тексты (Markdown в строке: `код`).
        answer: верный ответ — число, кортеж чисел или эталонная функция (упражнения на код).
        mistakes: пары (неверный ответ, подсказка именно для него); в упражнениях на код
            неверный ответ — функция с типичной ошибкой; в вопросах с выбором — номер варианта.
        tol: относительная точность для дробных ответов; целые сравниваются точно.
        stem, choices: у вопроса с выбором — сам вопрос и тексты вариантов (номера с 1); тогда
            ``question`` — вопрос вместе с вариантами, для показа без HTML.
    """

    key: str
    question: str
    answer: Any  # число, кортеж чисел, номер варианта или эталонная функция
    explanation: str
    hint: str
    mistakes: tuple[tuple[Any, str], ...] = ()
    tol: float = 1e-6
    stem: str = ""
    choices: tuple[str, ...] = ()

    @property
    def is_code(self) -> bool:
        return callable(self.answer)

    @property
    def number(self) -> str:
        """Номер «урок.порядковый»: ``'1.2'``."""
        prefix = self.key.split(".")[0]
        lesson = next(les.number for les in LESSONS if les.exercise_prefix == prefix)
        same = [k for k in EXERCISES if k.split(".")[0] == prefix]
        return f"{lesson}.{same.index(self.key) + 1}"

    @property
    def title(self) -> str:
        return f"Упражнение {self.number}"

    @property
    def options(self) -> tuple[tuple[int, str], ...]:
        """Варианты вопроса с выбором: ((номер, текст), …); у остальных упражнений — пусто."""
        return tuple(enumerate(self.choices, 1))

    def _repr_markdown_(self) -> str:
        return f"**{self.title}.** {self.question}"

    def _repr_html_(self) -> str | None:
        """Вопрос с выбором — варианты-раскрывашки: щелчок по варианту показывает, верен ли он и почему.

        Обычный HTML (``<details>``) без Jupyter-ядра и JavaScript: работает и в JupyterLab, и в книге.
        """
        if not self.options:
            return None  # остальные упражнения показываются как Markdown
        from .formatting import MUTED_COLOR, callout

        why = dict(self.mistakes)
        stem = self.stem
        items = []
        for n, text in self.options:
            right = n == self.answer
            verdict = f"{RIGHT} Верно! {self.explanation}" if right else f"{WRONG} Неверно. {why.get(n, self.hint)}"
            box = callout("right" if right else "wrong", _inline_html(verdict), style="margin:4px 0 6px 1.2em")
            items.append(
                f'<details class="cc-option"><summary style="cursor:pointer">{n} — {_inline_html(text)}</summary>'
                f"{box}</details>"
            )
        return (
            f'<div class="cc-quiz"><p><b>{self.title}.</b> {_inline_html(stem)}</p>{"".join(items)}'
            f'<p style="color:{MUTED_COLOR};font-size:90%">Сначала подумайте, потом раскрывайте: щелчок по варианту '
            f"покажет, верен ли он и почему. Или впишите номер ниже и проверьте ответ.</p></div>"
        )

    def __str__(self) -> str:
        return f"{self.title}. {_plain(self.question)}"


@dataclass(frozen=True)
class CheckResult:
    """Итог проверки: ``ok``, сообщение и статус (``right``, ``wrong``, ``pending``, ``invalid``,
    ``answer``). В Jupyter показывается плашкой: зелёной, красной, серой (ответа ещё нет),
    жёлтой (ответ не того вида) или синей (показан ответ)."""

    ok: bool
    message: str
    status: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            object.__setattr__(self, "status", "right" if self.ok else "wrong")

    def __bool__(self) -> bool:
        return self.ok

    def _mark(self) -> str:
        return {"right": RIGHT + " ", "wrong": WRONG + " "}.get(self.status, "")

    def __str__(self) -> str:
        return self._mark() + _plain(self.message)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from .formatting import CALLOUT_KINDS, callout

        body = "<br>".join(_inline_html(line) for line in (self._mark() + self.message).split("\n"))
        kind = self.status if self.status in CALLOUT_KINDS else "invalid"
        return callout(kind, body, css_class=f"cnn-course-check cnn-course-check-{self.status}")


_ALL = tuple(Exercise(**item) for item in BANK + QUIZ)

EXERCISES = MappingProxyType({e.key: e for e in _ALL})


def exercise(key: str) -> Exercise:
    """Упражнение по ключу (``'conv.params'``) или номеру (``'1.1'``) — для показа вопроса в уроке.

    Raises:
        KeyError: нет такого упражнения (сообщение перечисляет имеющиеся номера).
    """
    if isinstance(key, str):
        if key in EXERCISES:
            return EXERCISES[key]
        for ex in EXERCISES.values():
            if ex.number == key.strip():
                return ex
    numbers: dict[str, list[str]] = {}
    for ex in EXERCISES.values():
        numbers.setdefault(ex.number.split(".")[0], []).append(ex.number)
    known = ", ".join(f"{found[0]}–{found[-1]}" for found in numbers.values())
    shown = repr(key) if len(repr(key)) <= _MAX_SHOWN else repr(key)[:_MAX_SHOWN] + "…"
    raise KeyError(
        f"Нет упражнения {shown}. Есть номера {known} (урок.номер) или ключи вроде 'conv.params' — "
        "номер стоит в заголовке упражнения."
    )


@dataclass(frozen=True)
class Quiz:
    """Вопросы с выбором одного урока из банка вопросов: в Jupyter и в книге — раскрывающиеся варианты."""

    lesson: int
    items: tuple[Exercise, ...]

    def _repr_html_(self) -> str:
        return "".join(ex._repr_html_() or "" for ex in self.items)

    def __str__(self) -> str:
        return "\n\n".join(str(ex) for ex in self.items)

    __repr__ = __str__


def quiz(lesson: int) -> Quiz:
    """Банк вопросов с выбором урока ``lesson`` (номер урока, 1–6): ``cc.quiz(1)`` в конце урока.

    Ответ на любой вопрос можно и вписать: ``cc.check("1.8", 2)``.

    Raises:
        TypeError: ``lesson`` — не целое число.
        ValueError: нет урока с таким номером.
    """
    if isinstance(lesson, bool) or not isinstance(lesson, int):
        raise TypeError(f"lesson: ожидался номер урока (целое число), получено {type(lesson).__name__}")
    found = [les for les in LESSONS if les.number == lesson]
    if not found:
        known = ", ".join(str(les.number) for les in LESSONS)
        raise ValueError(f"lesson: нет урока {lesson}; есть уроки {known}")
    prefix = found[0].exercise_prefix
    quiz_keys = {item["key"] for item in QUIZ}
    return Quiz(lesson, tuple(ex for key, ex in EXERCISES.items() if key in quiz_keys and key.split(".")[0] == prefix))


_TRIED: set[str] = set()  # ключи упражнений, на которые уже был дан ответ


def reveal(key: str) -> CheckResult:
    """Показывает ответ и объяснение упражнения (по ключу или номеру: ``reveal("1.2")``).

    Сначала стоит попробовать ответить самому: ``check`` после неверного ответа подсказывает,
    как открыть ответ.
    """
    try:
        ex = exercise(key)
    except KeyError as err:
        return CheckResult(False, err.args[0], "invalid")
    if ex.is_code:
        source = textwrap.indent(inspect.getsource(ex.answer), "    ")
        shown = f"одно из решений:\n{source}"
    else:
        shown = f"{_show(ex.answer)}."
    note = "" if ex.key in _TRIED else "\n(Вы ещё не пробовали ответить — в следующий раз попробуйте сначала сами.)"
    return CheckResult(False, f"Ответ к упражнению {ex.number}: {shown}\n{ex.explanation}{note}", "answer")


def _show(value: float | tuple[float, ...]) -> str:
    """Ответ по-русски: 1\u202f180\u202f160, 0,1875, (4, −3, 0,5)."""
    if isinstance(value, tuple):
        return (
            "(" + "; ".join(_show(v) for v in value) + ")"
            if any(isinstance(v, float) for v in value)
            else "(" + ", ".join(_show(v) for v in value) + ")"
        )
    if isinstance(value, numbers.Integral):
        return fmt(value)
    return ("\u2212" if value < 0 else "") + f"{abs(value):.10g}".replace(".", ",")


def _short(value: object) -> str:
    """Короткое представление чужого ответа (длинные обрезаются)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


class _Bad(Exception):
    """Ответ не того вида; текст — что сказать ученику."""


def _number(value: Any) -> int | float:
    """Одно число ответа: int (точно) или float; иначе _Bad."""
    if isinstance(value, bool):
        raise _Bad(f"получено логическое значение {value}")
    if isinstance(value, torch.Tensor) or (hasattr(value, "item") and hasattr(value, "ndim")):
        if value.ndim != 0:
            raise _Bad(f"получен массив формы {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise _Bad("получено не число (бесконечность или NaN)")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (numbers.Rational, fractions.Fraction)):
        return int(value.numerator) if value.denominator == 1 else float(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise _Bad("получено не число (бесконечность или NaN)")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, str):
        stripped = value.strip().replace(",", ".")
        if re.fullmatch(r"[-−]?\d+(\.\d+)?", stripped):
            raise _Bad(f"получена строка {_short(value)} — впишите число без кавычек")
        raise _Bad(f"получена строка {_short(value)}")
    raise _Bad(f"получено {_short(value)} (тип {type(value).__name__})")


def _normalize(value: Any, expected: object) -> _Answer:
    """Ответ ученика в виде ожидаемого: число или кортеж чисел; иначе _Bad с объяснением."""
    if isinstance(expected, tuple):
        want = f"кортеж из {count_words(len(expected), 'числа', 'чисел', 'чисел')}"
        if hasattr(value, "tolist") and getattr(value, "ndim", None) == 1:
            value = value.tolist()
        if not isinstance(value, (tuple, list)):
            try:
                _number(value)
            except _Bad as err:
                raise _Bad(f"Ожидался {want}, {err}.") from None
            raise _Bad(f"Ожидался {want}, а получено одно число. Впишите, например, (1, 2).")
        if len(value) != len(expected):
            raise _Bad(f"Ожидался {want}, а в ответе {count_words(len(value), 'число', 'числа', 'чисел')}.")
        items = []
        for v in value:
            try:
                items.append(_number(v))
            except _Bad as err:
                raise _Bad(f"Ожидался {want}, но в кортеже {err}.") from None
        return tuple(items)
    if isinstance(value, (tuple, list)):
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
            and value[1] >= 0
        ):
            raise _Bad(
                f"Ожидалось одно число, а получен кортеж {_short(value)}: похоже, дробная часть отделена запятой. "
                "В Python запятая разделяет элементы кортежа, а дробную часть отделяют точкой: `2.72`, а не `2,72`."
            )
        raise _Bad(
            f"Ожидалось одно число, а получен {'кортеж' if isinstance(value, tuple) else 'список'} "
            f"из {count_words(len(value), 'элемента', 'элементов', 'элементов')}."
        )
    try:
        return _number(value)
    except _Bad as err:
        raise _Bad(f"Ожидалось число, {err}.") from None


def _same(a: _Answer, b: _Answer, tol: float) -> bool:
    """Равны ли ответы: целые — точно, дробные — с относительной точностью ``tol``."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple)
            and isinstance(b, tuple)
            and len(a) == len(b)
            and all(_same(x, y, tol) for x, y in zip(a, b))
        )
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    try:
        return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
    except OverflowError:
        return False


def _matches(answer: object, value: _Answer | None, wrong: _Answer, tol: float) -> bool:
    """Совпал ли ответ с типичной ошибкой (она может быть и другой длины, чем верный ответ)."""
    if value is not None:
        return _same(value, wrong, tol)
    try:
        return _same(_normalize(answer, wrong), wrong, tol)
    except _Bad:
        return False


def _as_result(value: Any, like: object) -> object:
    """Результат ученика в виде эталона: тензор (из numpy, списка) или как есть."""
    if isinstance(like, dict) and isinstance(value, dict):
        return {k: _as_result(v, like[k]) if k in like else v for k, v in value.items()}
    if isinstance(like, torch.Tensor):
        return torch.as_tensor(value, dtype=torch.float32)
    return value


def _same_result(got: object, want: object) -> bool:
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(_same_result(got[k], want[k]) for k in want)
    if isinstance(want, torch.Tensor):
        return isinstance(got, torch.Tensor) and got.shape == want.shape and torch.allclose(got, want, atol=1e-4)
    return got == want


def _show_case(args: Sequence[object]) -> str:
    parts = []
    for a in args:
        if isinstance(a, torch.Tensor):
            parts.append(f"тензор формы {tuple(a.shape)}")
        elif hasattr(a, "files") and hasattr(a, "path"):
            parts.append("набор" + (" с transform" if getattr(a, "transform", None) else " без transform"))
        elif isinstance(a, torch.nn.Module):
            parts.append("модель")
        else:
            parts.append(repr(a))
    return ", ".join(parts)


def _show_value(value: object) -> str:
    if isinstance(value, torch.Tensor):
        if value.numel() <= 16:
            rows = value.reshape(-1, value.shape[-1]) if value.ndim else value.reshape(1, 1)
            text = "; ".join(" ".join(fmt(float(v), 2) for v in row) for row in rows)
            return f"тензор формы {tuple(value.shape)}: [{text}]"
        return f"тензор формы {tuple(value.shape)}"
    if isinstance(value, dict):
        words = {True: "да", False: "нет"}
        return ", ".join(
            f"{k}: {_show_value(v) if isinstance(v, torch.Tensor) else words.get(v, v) if isinstance(v, bool) else v}"
            for k, v in value.items()
        )
    return _short(value)


def _run_all(
    fn: Callable[..., object],
    cases: Callable[[], Sequence[tuple[Any, ...]]],
    outcome: Callable[[Any, tuple[Any, ...]], object],
    like: Sequence[object],
) -> list[object] | None:
    """Результаты функции на всех примерах (None, если она ещё пуста — вернула None)."""
    results: list[object] = []
    for args in cases():
        got = fn(*args)
        if got is None:
            return None
        results.append(_as_result(outcome(got, args), like[len(results)]))
    return results


def _check_code(ex: Exercise, fn: object) -> CheckResult:
    """Запускает функцию ученика на примерах и сравнивает с эталоном; первая ошибка — с входом и ответами.

    Подсказка для типичной ошибки выдаётся, только если функция ученика совпала с ней на всех примерах.
    """
    if not callable(fn):
        return CheckResult(False, f"Ожидалась функция (её имя без скобок), получено {_short(fn)}.", "invalid")
    cases, outcome, crash_hint = CODE_SPECS[ex.key]
    want = [outcome(ex.answer(*args), args) for args in cases()]
    try:
        got = _run_all(fn, cases, outcome, want)  # свежие входы: функция ученика может их менять
    except Exception as err:
        text = str(err) if len(str(err)) <= _MAX_SHOWN else str(err)[:_MAX_SHOWN] + "…"
        return CheckResult(False, f"Функция упала с ошибкой {type(err).__name__}: {text}\nПодсказка: {crash_hint}")
    if got is None:
        return CheckResult(
            False,
            f"{ex.title}: функция пока ничего не возвращает — допишите её тело "
            f"вместо `...` и запустите ячейку ещё раз.\n{ex.question}",
            "pending",
        )
    if all(_same_result(g, w) for g, w in zip(got, want)):
        return CheckResult(True, f"Верно! {ex.explanation}")
    for wrong, why in ex.mistakes:
        bad = _run_all(wrong, cases, outcome, want)
        if bad is not None and all(_same_result(g, b) for g, b in zip(got, bad)):  # None: «ошибка» без return
            return CheckResult(False, f"Неверно. {why}")
    i = next(i for i, (g, w) in enumerate(zip(got, want)) if not _same_result(g, w))
    return CheckResult(
        False,
        f"Неверно: для входа ({_show_case(cases()[i])}) ожидалось: {_show_value(want[i])}, "
        f"а получено: {_show_value(got[i])}.\nПодсказка: {ex.hint}",
    )


def check(key: str, answer: object) -> CheckResult:
    """Проверяет ответ ученика на упражнение ``key`` (ключ ``'conv.params'`` или номер ``'1.1'``).

    Args:
        key: ключ или номер упражнения.
        answer: число, кортеж чисел (форма тензора) или функция (в упражнениях на код);
            ``...`` или None — ответа ещё нет.

    Returns:
        :class:`CheckResult`: верно ли и что сказать (объяснение, подсказка или как открыть ответ).
        Исключений ученику не бросает: ответ не того вида тоже получает сообщение по-русски.
    """
    try:
        ex = exercise(key)
    except (KeyError, TypeError) as err:
        return CheckResult(False, err.args[0] if isinstance(err, KeyError) else str(err), "invalid")
    if answer is None or answer is Ellipsis:
        return CheckResult(
            False,
            f"{ex.title}: ответа пока нет — впишите его вместо `...` и запустите ячейку ещё раз.\n{ex.question}",
            "pending",
        )
    _TRIED.add(ex.key)
    result: CheckResult | None
    if ex.is_code:
        result = _check_code(ex, answer)
    else:
        expected = _normalize(ex.answer, ex.answer)
        try:
            value = _normalize(answer, expected)
        except _Bad as err:
            value, invalid = None, CheckResult(False, str(err), "invalid")
        if value is not None and _same(value, expected, ex.tol):
            return CheckResult(True, f"Верно! {ex.explanation}")
        result = next(
            (
                CheckResult(False, f"Неверно. {why}")
                for wrong, why in ex.mistakes
                if _matches(answer, value, _normalize(wrong, wrong), ex.tol)
            ),
            None,
        )
        if result is None and value is None:
            return invalid
        if result is None:
            result = CheckResult(False, f"Неверно. Подсказка: {ex.hint}")
    if result.status == "wrong":
        result = CheckResult(False, f'{result.message}\nЗастряли? Ответ покажет `{_reveal_call()}("{ex.number}")`.')
    return result


def _reveal_call() -> str:
    """Как вызвать reveal из урока: ``cc.reveal``, если пакет его экспортирует."""
    import cnn_course

    return "cc.reveal" if getattr(cnn_course, "reveal", None) is reveal else "cc.exercises.reveal"
