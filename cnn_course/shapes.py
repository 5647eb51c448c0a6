"""Правила размеров: формулы выхода свёртки и пулинга, трассировка форм по слоям модели."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from ._validate import check_choice, check_int
from .pooling import _MinPoolNd

__all__ = [
    "conv_output_size", "pool_output_size", "count_parameters", "receptive_field", "ReceptiveField",
    "trace_shapes", "ShapeTrace", "LayerRow", "ShapeMismatchError",
]


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1) -> int:
    """Размер выхода свёртки по одной оси (как у ``nn.Conv1d/2d/3d``).

    ``out = (size + 2·padding - dilation·(kernel_size - 1) - 1) // stride + 1``

    Ядро с разрежением занимает ``dilation·(kernel_size - 1) + 1`` клеток; столько
    позиций сдвига «влезает» в дополненный вход при шаге ``stride``.

    Args:
        size: длина входа по оси (H, W, L или D).
        kernel_size: размер ядра.
        stride: шаг.
        padding: число нулей с каждой стороны, ``'valid'`` (0) или ``'same'`` (выход = вход,
            только при stride=1).
        dilation: разрежение.

    Returns:
        Длина выхода по оси.

    Raises:
        ValueError: выход получился бы пустым, отрицательные размеры, ``'same'`` при stride > 1.
    """
    size = check_int(size, "size", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "same":
            if stride != 1:
                raise ValueError(
                    f"padding='same' возможен только при stride=1, получено stride={stride}"
                )
            return size
        padding = 0
    padding = check_int(padding, "padding", minimum=0)
    effective = dilation * (kernel_size - 1) + 1
    if effective > size + 2 * padding:
        raise ValueError(
            f"Выход пуст: ядро с разрежением занимает {effective} клеток "
            f"(kernel_size={kernel_size}, dilation={dilation}), а вход с дополнением "
            f"{size} + 2·{padding} = {size + 2 * padding}"
        )
    return (size + 2 * padding - effective) // stride + 1


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False) -> int:
    """Размер выхода пулинга по одной оси (как у ``nn.MaxPool1d/2d/3d``, ``nn.AvgPool2d``).

    ``out = floor_or_ceil((size + 2·padding - dilation·(kernel_size - 1) - 1) / stride) + 1``;
    шаг по умолчанию равен размеру окна. При ``ceil_mode=True`` последнее неполное окно
    учитывается, но только если оно начинается внутри входа или левого дополнения.

    Raises:
        ValueError: выход пуст или ``padding > kernel_size / 2`` (PyTorch это запрещает).
    """
    size = check_int(size, "size", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    stride = kernel_size if stride is None else check_int(stride, "stride", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    dilation = check_int(dilation, "dilation", minimum=1)
    if 2 * padding > kernel_size:
        raise ValueError(
            f"padding должен быть не больше половины окна: padding={padding}, "
            f"kernel_size={kernel_size} (допустимо padding ≤ {kernel_size // 2})"
        )
    effective = dilation * (kernel_size - 1) + 1
    span = size + 2 * padding - effective
    if span < 0:
        raise ValueError(
            f"Выход пуст: окно занимает {effective} клеток, а вход с дополнением — "
            f"{size + 2 * padding}"
        )
    if ceil_mode:
        out = math.ceil(span / stride) + 1
        # последнее окно должно начинаться внутри входа или левого дополнения
        if (out - 1) * stride >= size + padding:
            out -= 1
    else:
        out = span // stride + 1
    return out


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Число параметров модели (всех или только обучаемых, ``requires_grad=True``)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"Ожидалась модель nn.Module, получено {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


@dataclass(frozen=True)
class ReceptiveField:
    """Рецептивное поле: ``size`` — сколько пикселей входа видит один нейрон последнего слоя,
    ``stride`` — на сколько пикселей входа сдвигается поле при сдвиге на один нейрон (по оси H)."""

    size: int
    stride: int


_NEUTRAL = (nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.ELU, nn.SiLU, nn.Identity,
            nn.Dropout, nn.Dropout2d, nn.Dropout3d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
_STOP = (nn.Flatten, nn.Linear, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
         nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)


def _first(v):
    return v[0] if isinstance(v, (tuple, list)) else v


def receptive_field(model_or_layers) -> ReceptiveField:
    """Рецептивное поле последнего свёрточного/пулинг-слоя стопки слоёв (по оси H).

    Идём от входа: ``r ← r + (k − 1)·d·j``, ``j ← j·s`` (k — ядро, d — разрежение, s — шаг,
    j — шаг поля во входных пикселях). Активации, BatchNorm и Dropout поле не меняют; на
    Flatten, Linear или адаптивном пулинге подсчёт останавливается (дальше нейрон видит всё).

    Args:
        model_or_layers: ``nn.Sequential`` (вложенные тоже) или список слоёв.

    Raises:
        TypeError: слой, для которого поле не определено (например, nn.Upsample).
    """
    layers = list(model_or_layers.modules()) if isinstance(model_or_layers, nn.Module) else list(model_or_layers)
    size, jump = 1, 1
    for layer in layers:
        if isinstance(layer, nn.Sequential) or isinstance(layer, _NEUTRAL):
            continue
        if isinstance(layer, _STOP):
            break
        if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
                              nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, _MinPoolNd)):
            k = _first(layer.kernel_size)
            s = _first(layer.stride) if layer.stride is not None else k
            d = _first(getattr(layer, "dilation", 1))
            size += (k - 1) * d * jump
            jump *= s
        else:
            raise TypeError(f"receptive_field: не знаю, как слой {type(layer).__name__} меняет рецептивное поле")
    return ReceptiveField(size, jump)


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
        lines = [f"{'слой':<16}{'тип':<18}{'форма выхода':<24}{'параметров':>12}",
                 f"{'вход':<16}{'':<18}{str(self.input_shape):<24}{'':>12}"]
        lines += [f"{r.name:<16}{r.kind:<18}{str(r.output_shape):<24}{_grouped(r.params):>12}" for r in self.rows]
        lines.append(f"всего параметров: {_grouped(self.total_params)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><td>{html.escape(r.name)}</td><td>{r.kind}</td><td>{r.output_shape}</td>"
                        f"<td style='text-align:right'>{_grouped(r.params)}</td></tr>" for r in self.rows)
        return ("<table><tr><th>слой</th><th>тип</th><th>форма выхода</th><th>параметров</th></tr>"
                f"<tr><td>вход</td><td></td><td>{self.input_shape}</td><td></td></tr>{cells}"
                f"<tr><td colspan=3><b>всего</b></td><td style='text-align:right'><b>"
                f"{_grouped(self.total_params)}</b></td></tr></table>")


def _grouped(n: int) -> str:
    """1234567 → '1 234 567' (разряды через пробел, как принято в русском тексте)."""
    return f"{n:,}".replace(",", " ")


class ShapeMismatchError(ValueError):
    """Формы перестали сходиться; ``trace`` — трассировка до ошибочного слоя."""

    def __init__(self, message: str, trace: ShapeTrace):
        super().__init__(message)
        self.trace = trace


def _explain(layer: nn.Module, got: tuple) -> str:
    """Русское объяснение, чего слой ждал и что получил."""
    if isinstance(layer, nn.Linear):
        return (f"Linear ждёт {layer.in_features} признаков в последнем измерении, а получил тензор "
                f"формы {got} — {got[-1]} признаков. Обычно это значит, что картинка не того размера, "
                f"под который считали in_features: поставьте nn.Linear({got[-1]}, {layer.out_features}) "
                "или добавьте nn.AdaptiveAvgPool2d перед Flatten, чтобы размер не зависел от входа.")
    if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        want = layer.in_channels
        if len(got) != layer.weight.ndim and len(got) != layer.weight.ndim - 1:
            return (f"{type(layer).__name__} ждёт тензор с {layer.weight.ndim} измерениями "
                    f"(batch, channels, ...), а получил форму {got}.")
        return (f"{type(layer).__name__} ждёт {want} входных каналов (in_channels={want}), а получил "
                f"тензор формы {got} — {got[1] if len(got) > 1 else '?'} каналов. Число in_channels "
                "слоя должно равняться out_channels предыдущего (3 для RGB, 1 для серой картинки).")
    return f"{type(layer).__name__} не принял тензор формы {got}."


def trace_shapes(model: nn.Module, input_shape, device=None) -> ShapeTrace:
    """Пропускает через модель пустой батч нужной формы и записывает форму после каждого слоя.

    Args:
        model: модель; строки получают её «листовые» слои (без вложенных).
        input_shape: форма входа с батчем, например (1, 3, 256, 256).
        device: где считать (по умолчанию — где лежат параметры модели, иначе CPU).

    Returns:
        :class:`ShapeTrace` со строками (имя, тип, форма выхода, параметры).

    Raises:
        ShapeMismatchError: на каком-то слое формы не сошлись; сообщение называет слой и
            объясняет по-русски, что он ждал и что получил; ``err.trace`` — таблица до него.
    """
    shape = tuple(check_int(s, "input_shape", minimum=1) for s in input_shape)
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    trace = ShapeTrace(shape)
    names = {m: n for n, m in model.named_modules()}
    leaves = [m for m in model.modules() if not list(m.children())] or [model]
    current = {}
    hooks = []

    def pre(module, args):
        current["layer"] = module
        current["got"] = tuple(args[0].shape) if args and isinstance(args[0], torch.Tensor) else ()

    def post(module, args, output):
        if isinstance(output, torch.Tensor):
            own = sum(p.numel() for p in module.parameters(recurse=False))
            trace.rows.append(LayerRow(names.get(module, "") or type(module).__name__, type(module).__name__,
                                       tuple(output.shape), own))
        current.pop("layer", None)

    for m in leaves:
        hooks.append(m.register_forward_pre_hook(pre))
        hooks.append(m.register_forward_hook(post))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(shape, device=device))
    except (RuntimeError, ValueError) as err:
        layer = current.get("layer")
        if layer is None:
            raise
        name = names.get(layer, type(layer).__name__)
        message = (f"Формы не сошлись на слое «{name}» ({type(layer).__name__}, строка {len(trace.rows) + 1}): "
                   f"{_explain(layer, current['got'])}\n\nФормы до этого слоя:\n{trace}")
        raise ShapeMismatchError(message, trace) from err
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return trace
