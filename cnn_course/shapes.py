"""Формы тензоров по слоям модели: число параметров, рецептивное поле, трассировка форм.

Формулы размера выхода свёртки и пулинга живут ниже, в ``sizes`` (здесь — только реэкспорт).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import torch
import torch.nn as nn
from torch.utils.hooks import RemovableHandle

from ._validate import check_bool, check_int, describe
from .formatting import fmt, plural
from .pooling import _MinPoolNd
from .sizes import conv_output_size, pool_output_size

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "count_parameters",
    "receptive_field",
    "ReceptiveField",
    "trace_shapes",
    "ShapeTrace",
    "LayerRow",
    "ShapeMismatchError",
]


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Число параметров модели (всех или только обучаемых, ``requires_grad=True``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель nn.Module, получено {describe(model)}")
    trainable_only = check_bool(trainable_only, "trainable_only")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


@dataclass(frozen=True)
class ReceptiveField:
    """Рецептивное поле: ``size`` — сколько пикселей входа видит один нейрон последнего слоя,
    ``stride`` — на сколько пикселей входа сдвигается поле при сдвиге на один нейрон (по оси H)."""

    size: int
    stride: int


# Слои, которые не меняют рецептивное поле: поэлементные функции, нормировки (их статистики
# по соглашению не считаются «полем»), Dropout, дополнение (сдвигает поле, но не меняет размер).
_NEUTRAL = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.PReLU,
    nn.RReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.GELU,
    nn.ELU,
    nn.CELU,
    nn.SELU,
    nn.SiLU,
    nn.Mish,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.Hardtanh,
    nn.Softplus,
    nn.Softsign,
    nn.Tanhshrink,
    nn.Hardshrink,
    nn.Softshrink,
    nn.LogSigmoid,
    nn.Threshold,
    nn.Identity,
    nn.Softmax2d,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.SyncBatchNorm,
    nn.GroupNorm,
    nn.InstanceNorm1d,
    nn.InstanceNorm2d,
    nn.InstanceNorm3d,
    nn.LocalResponseNorm,
    nn.ChannelShuffle,
    nn.ZeroPad1d,
    nn.ZeroPad2d,
    nn.ZeroPad3d,
    nn.ConstantPad1d,
    nn.ConstantPad2d,
    nn.ConstantPad3d,
    nn.ReflectionPad1d,
    nn.ReflectionPad2d,
    nn.ReflectionPad3d,
    nn.ReplicationPad1d,
    nn.ReplicationPad2d,
    nn.ReplicationPad3d,
)
_STOP = (
    nn.Flatten,
    nn.Linear,
    nn.Bilinear,
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)
_WINDOWED = (
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.MaxPool3d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AvgPool3d,
    nn.LPPool1d,
    nn.LPPool2d,
    _MinPoolNd,
)


def _first(v: int | tuple[int, ...] | list[int]) -> int:
    return v[0] if isinstance(v, (tuple, list)) else v


def _is_stop(layer: nn.Module) -> bool:
    from .models import SoftArgmax2d  # models не импортирует shapes — цикла нет

    return isinstance(layer, _STOP + (SoftArgmax2d,))


def _apply_layer(layer: nn.Module, state: tuple[int, int, int] | None) -> tuple[int, int, int] | None:
    """Новое поле (start, size, jump) после слоя; None — слой смешивает всё (дальше поле = весь вход)."""
    if state is None or _is_stop(layer):
        return None
    start, size, jump = state
    if isinstance(layer, _NEUTRAL):
        return state
    if isinstance(layer, _WINDOWED):
        k = _first(layer.kernel_size)
        s = _first(layer.stride) if layer.stride is not None else k
        s = s or k  # MinPool/LPPool хранят stride=None как kernel_size
        d = _first(getattr(layer, "dilation", 1))
        pad = getattr(layer, "padding", 0)
        if pad == "same":
            pad = d * (k - 1) // 2
        elif pad == "valid":
            pad = 0
        pad = _first(pad)
        return start - pad * jump, size + (k - 1) * d * jump, jump * s
    raise TypeError(
        f"receptive_field: не знаю, как слой {type(layer).__name__} меняет рецептивное поле "
        "(поддерживаются свёртки, пулинги, поэлементные функции, нормировки, Dropout; "
        "Flatten, Linear и адаптивный пулинг заканчивают подсчёт)"
    )


def _flatten_layers(item: object, out: list[nn.Module]) -> list[nn.Module]:
    """Слои по порядку применения: списки и ``nn.Sequential`` раскрываются (и вложенные), лист — слой.

    Модель со своим ``forward`` не раскрывается, а отвергается: по объявлению слоёв не видно, как
    forward их применяет (ветви, повторный вызов, ``if`` по данным) — число было бы неверным.
    """
    if isinstance(item, (list, tuple)):
        for layer in item:
            _flatten_layers(layer, out)
    elif not isinstance(item, nn.Module):
        raise TypeError(f"receptive_field: ожидались слои nn.Module, получено {describe(item)}")
    elif type(item).forward is nn.Sequential.forward:
        for layer in cast(nn.Sequential, item):  # forward как у Sequential — значит, это Sequential
            _flatten_layers(layer, out)
    elif list(item.children()):
        raise TypeError(
            f"receptive_field: у модели {type(item).__name__} свой forward — порядок, в котором он применяет слои "
            "(ветви, повторы, условия), по объявлению не виден, и число могло бы быть неверным. Передайте "
            "nn.Sequential или список слоёв — например, свёрточную часть model.features."
        )
    else:
        out.append(item)
    return out


def receptive_field(model_or_layers: nn.Module | Sequence[nn.Module]) -> ReceptiveField:
    """Рецептивное поле последней пространственной карты признаков цепочки слоёв (по оси H).

    Идём от входа: ``r ← r + (k − 1)·d·j``, ``j ← j·s`` (k — ядро, d — дилатация, s — шаг,
    j — шаг поля во входных пикселях). Цепочка — ``nn.Sequential`` или список слоёв (вложенные
    Sequential и списки раскрываются по порядку). Активации, нормировки (BatchNorm, GroupNorm…),
    Dropout, дополнение поле не меняют; на Flatten, Linear, адаптивном пулинге или soft-argmax
    подсчёт останавливается (дальше нейрон видит всё). Чего обход не понимает — отвергается,
    а не угадывается.

    Args:
        model_or_layers: слой, ``nn.Sequential`` или список слоёв (применяются по порядку).

    Returns:
        :class:`ReceptiveField` (size, stride) в пикселях входа.

    Raises:
        TypeError: не модель и не список слоёв; модель со своим forward (передайте её
            Sequential-часть, например ``model.features``); слой, для которого поле не определено
            (например, nn.Upsample).
    """
    if not isinstance(model_or_layers, (nn.Module, list, tuple)):
        raise TypeError(
            f"receptive_field: ожидалась модель nn.Module или список слоёв, получено {describe(model_or_layers)}"
        )
    state = (0, 1, 1)
    for layer in _flatten_layers(model_or_layers, []):
        new = _apply_layer(layer, state)
        if new is None:
            break
        state = new
    return ReceptiveField(state[1], state[2])


@dataclass(frozen=True)
class LayerRow:
    """Строка трассировки: имя слоя, его тип, форма выхода, число параметров."""

    name: str
    kind: str
    output_shape: tuple
    params: int


@dataclass
class ShapeTrace:
    """Формы тензоров после каждого слоя (как маленький torchinfo). ``print`` и Jupyter показывают таблицу."""

    input_shape: tuple
    rows: list = field(default_factory=list)

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    def __str__(self) -> str:
        lines = [
            f"{'слой':<16}{'тип':<18}{'форма выхода':<24}{'параметров':>12}",
            f"{'вход':<16}{'':<18}{self.input_shape!s:<24}{'':>12}",
        ]
        lines += [f"{r.name:<16}{r.kind:<18}{r.output_shape!s:<24}{_grouped(r.params):>12}" for r in self.rows]
        lines.append(f"всего параметров: {_grouped(self.total_params)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(r.name)}</td><td>{r.kind}</td><td>{r.output_shape}</td>"
            f"<td style='text-align:right'>{_grouped(r.params)}</td></tr>"
            for r in self.rows
        )
        table = (
            "<table><tr><th>слой</th><th>тип</th><th>форма выхода</th><th>параметров</th></tr>"
            f"<tr><td>вход</td><td></td><td>{self.input_shape}</td><td></td></tr>{cells}"
            f"<tr><td colspan=3><b>всего</b></td><td style='text-align:right'><b>"
            f"{_grouped(self.total_params)}</b></td></tr></table>"
        )
        if len(self.rows) <= _ROWS_SHOWN:
            return table
        # длинная таблица (VGG — 39 слоёв) не растягивает урок на полтора экрана: прокрутка внутри
        n = len(self.rows)
        return (
            f"<p>{n} {plural(n, 'слой', 'слоя', 'слоёв')}, всего параметров {_grouped(self.total_params)}; "
            "таблица прокручивается.</p>"
            '<div class="cc-shape-trace" tabindex="0" role="region" aria-label="Таблица форм"'
            f' style="max-height:26em;overflow-y:auto">{table}</div>'
        )


_ROWS_SHOWN = 20  # больше строк — таблица с прокруткой


def _grouped(n: int) -> str:
    """1234567 → '1 234 567': разряды через узкий неразрывный пробел, как в русском тексте."""
    return fmt(int(n))


class ShapeMismatchError(ValueError):
    """Формы перестали сходиться; ``trace`` — трассировка до ошибочного слоя."""

    def __init__(self, message: str, trace: ShapeTrace):
        super().__init__(message)
        self.trace = trace


def _explain(layer: nn.Module, got: tuple) -> str:
    """Русское объяснение, чего слой ждал и что получил."""
    if isinstance(layer, nn.Linear):
        return (
            f"Linear ждёт {layer.in_features} признаков в последнем измерении, а получил тензор "
            f"формы {got} — {got[-1] if got else '?'} признаков. Обычно это значит, что картинка не того "
            f"размера, под который считали in_features: поставьте nn.Linear({got[-1] if got else '…'}, "
            f"{layer.out_features}) или добавьте nn.AdaptiveAvgPool2d перед Flatten, чтобы размер не "
            "зависел от входа."
        )
    if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        want, dims = layer.in_channels, layer.weight.ndim
        axes = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}[dims]
        if len(got) != dims:
            return (
                f"{type(layer).__name__} ждёт тензор с {dims} измерениями {axes} — с батчем и каналами, "
                f"а получил форму {got} ({len(got)} измерений). Проверьте input_shape: например, "
                f"(1, {want}{', 64' * (dims - 2)})."
            )
        return (
            f"{type(layer).__name__} ждёт {want} входных каналов (in_channels={want}), а получил "
            f"тензор формы {got} — {got[1]} каналов (второе измерение). Число in_channels "
            "слоя должно равняться out_channels предыдущего (3 для RGB, 1 для серой картинки)."
        )
    return f"{type(layer).__name__} не принял тензор формы {got}."


_MAX_TRACE_ELEMENTS = 200_000_000  # вход трассировки больше 800 МБ (float32) — скорее опечатка


def trace_shapes(model: nn.Module, input_shape: Sequence[int], device: str | torch.device | None = None) -> ShapeTrace:
    """Пропускает через модель батч из нулей нужной формы и записывает форму после каждого слоя.

    Args:
        model: модель; строки получают её «листовые» слои (без вложенных).
        input_shape: форма входа с батчем — кортеж целых ≥ 1, например (1, 3, 256, 256).
        device: где считать (по умолчанию — где лежат параметры модели, иначе CPU).

    Returns:
        :class:`ShapeTrace` со строками (имя, тип, форма выхода, параметры).

    Raises:
        TypeError: не модель; input_shape — не кортеж/список целых.
        ValueError: пустая или слишком большая форма входа.
        ShapeMismatchError: на каком-то слое формы не сошлись; сообщение называет слой и
            объясняет по-русски, что он ждал и что получил; ``err.trace`` — таблица до него.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: ожидалась модель nn.Module, получено {describe(model)}")
    if isinstance(input_shape, torch.Size):
        input_shape = tuple(input_shape)
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(
            f"input_shape: ожидался кортеж размеров с батчем, например (1, 3, 256, 256), "
            f"получено {describe(input_shape)}"
        )
    if not 1 <= len(input_shape) <= 6:
        raise ValueError(
            f"input_shape: ожидалось от 1 до 6 размеров, например (1, 3, 256, 256), получено {describe(input_shape)}"
        )
    shape = tuple(check_int(s, "input_shape", minimum=1) for s in input_shape)
    total = 1
    for s in shape:
        total *= s
    if total > _MAX_TRACE_ELEMENTS:
        raise ValueError(
            f"input_shape: вход {shape} — {total} чисел, слишком много для трассировки "
            f"(до {_MAX_TRACE_ELEMENTS}); возьмите батч 1 или картинку меньше"
        )
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    elif not isinstance(device, (str, torch.device)):
        raise TypeError(f"device: ожидалась строка или torch.device, получено {describe(device)}")
    trace = ShapeTrace(shape)
    names = {m: n for n, m in model.named_modules()}
    leaves = [m for m in model.modules() if not list(m.children())] or [model]
    current: dict[str, Any] = {}
    hooks: list[RemovableHandle] = []

    def pre(module: nn.Module, args: tuple[Any, ...]) -> None:
        current["layer"] = module
        current["got"] = tuple(args[0].shape) if args and isinstance(args[0], torch.Tensor) else ()

    def post(module: nn.Module, args: tuple[Any, ...], output: object) -> None:
        if isinstance(output, torch.Tensor):
            own = sum(p.numel() for p in module.parameters(recurse=False))
            trace.rows.append(
                LayerRow(
                    names.get(module, "") or type(module).__name__, type(module).__name__, tuple(output.shape), own
                )
            )
        current.pop("layer", None)

    for m in leaves:
        hooks.append(m.register_forward_pre_hook(pre))
        hooks.append(m.register_forward_hook(post))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(shape, device=device))
    except (RuntimeError, ValueError, IndexError, TypeError) as err:
        if isinstance(err, ShapeMismatchError):
            raise
        layer = current.get("layer")
        if layer is None:
            after = trace.rows[-1].name if trace.rows else "входа"
            message = (
                f"Формы не сошлись в forward модели {type(model).__name__} после слоя «{after}» — вне слоёв "
                f"(например, в view/flatten/cat): {type(err).__name__}: {str(err)[:300]}\n\n"
                f"Формы до этого места:\n{trace}"
            )
        else:
            name = names.get(layer, type(layer).__name__)
            message = (
                f"Формы не сошлись на слое «{name}» ({type(layer).__name__}, строка {len(trace.rows) + 1}): "
                f"{_explain(layer, current['got'])}\n\nФормы до этого слоя:\n{trace}"
            )
        raise ShapeMismatchError(message, trace) from err
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return trace
