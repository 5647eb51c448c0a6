"""Свёртка своими руками: наивные циклы по формуле лекции, im2col и классические ядра."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._validate import as_tuple, check_choice, check_int, check_real, check_tensor, describe
from .sizes import _same_stride_message, effective_kernel, window_count

__all__ = [
    "conv2d_naive",
    "conv2d_im2col",
    "same_padding",
    "KERNEL_NAMES",
    "KERNEL_TITLES",
    "classic_kernel",
    "classic_kernels",
    "activation",
    "ACTIVATIONS",
    "filter_image",
]


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """Дополнение (слева, справа) для ``padding='same'`` по одной оси, как в PyTorch.

    Всего нужно ``dilation * (kernel_size - 1)`` нулей; при нечётной сумме лишний ноль
    PyTorch добавляет справа (снизу). Пример: ядро 4 → (1, 2), ядро 3 → (1, 1).

    Raises:
        TypeError: не целые числа.
        ValueError: ``kernel_size < 1`` или ``dilation < 1``.
    """
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def _prepare(
    x: object, weight: object, bias: torch.Tensor | None, stride: object, padding: object, dilation: object
) -> tuple[torch.Tensor, torch.Tensor | None, tuple[int, ...], tuple[int, ...], tuple[int, int], tuple[int, int]]:
    """Проверяет аргументы свёртки и дополняет вход нулями.

    Returns:
        (x_pad, stride, dilation, (KH, KW), (H_out, W_out)), где x_pad: (N, C, H + pad, W + pad).
    """
    x = check_tensor(x, "x", 4, "(N, C, H, W)")
    weight = check_tensor(weight, "weight", 4, "(F, C, KH, KW)")
    if x.dtype != weight.dtype:
        raise TypeError(
            f"x и weight должны быть одного типа, получено x: {x.dtype}, weight: {weight.dtype}. "
            f"Приведите их: weight.to(x.dtype)"
        )
    if x.device != weight.device:
        raise ValueError(f"x и weight на разных устройствах: {x.device} и {weight.device}; weight.to(x.device)")
    n_filters, c_w, kh, kw = weight.shape
    if n_filters == 0 or kh == 0 or kw == 0 or c_w == 0:
        raise ValueError(
            f"weight: пустое ядро — форма {tuple(weight.shape)} (F, C, KH, KW); нужны хотя бы один фильтр, "
            "один канал и ядро не меньше 1×1"
        )
    if x.shape[1] != c_w:
        raise ValueError(
            f"Число каналов не совпадает: у входа x формы {tuple(x.shape)} их {x.shape[1]}, "
            f"а ядра weight формы {tuple(weight.shape)} рассчитаны на {c_w} "
            "(weight: (F, C, KH, KW), второй размер — число входных каналов)"
        )
    if x.shape[2] == 0 or x.shape[3] == 0:
        raise ValueError(f"x: пустая картинка — форма {tuple(x.shape)}; высота и ширина должны быть ≥ 1")
    if bias is not None:
        bias = check_tensor(bias, "bias", 1, "(F,)")
        if bias.shape[0] != n_filters:
            raise ValueError(
                f"bias: ожидалась форма ({n_filters},) — по одному смещению на фильтр, получена {tuple(bias.shape)}"
            )
        if bias.dtype != x.dtype:  # как F.conv2d: смешанные типы не смешиваем молча
            raise TypeError(
                f"bias должен быть того же типа, что x и weight: получено bias: {bias.dtype}, x: {x.dtype}. "
                "Приведите его: bias.to(x.dtype)"
            )
    stride = as_tuple(stride, 2, "stride", minimum=1)
    dilation = as_tuple(dilation, 2, "dilation", minimum=1)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        else:
            if stride != (1, 1):
                raise ValueError(_same_stride_message(stride))
            pads = (same_padding(kh, dilation[0]), same_padding(kw, dilation[1]))
    else:
        ph, pw = as_tuple(padding, 2, "padding", minimum=0)
        pads = ((ph, ph), (pw, pw))
    (top, bottom), (left, right) = pads
    hp, wp = x.shape[2] + top + bottom, x.shape[3] + left + right
    out_h = window_count(hp, kh, stride[0], dilation[0])  # одна формула на весь пакет (shapes.py)
    out_w = window_count(wp, kw, stride[1], dilation[1])
    if out_h == 0 or out_w == 0:
        eff_h, eff_w = effective_kernel(kh, dilation[0]), effective_kernel(kw, dilation[1])
        raise ValueError(
            f"Ядро больше входа: с учётом дилатации (dilation={dilation}) оно занимает "
            f"{eff_h}×{eff_w}, а вход после дополнения нулями (padding) — только {hp}×{wp} "
            f"(исходный {x.shape[2]}×{x.shape[3]}). Уменьшите ядро или увеличьте padding."
        )
    x_pad = F.pad(x, (left, right, top, bottom))  # (N, C, H + top + bottom, W + left + right)
    return x_pad, bias, stride, dilation, (kh, kw), (out_h, out_w)


def conv2d_naive(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """Двумерная свёртка циклами — прямо по формуле лекции (то же, что ``F.conv2d``, groups=1).

    Для каждого примера n, фильтра f и позиции (i, j) выхода

    ``z[n, f, i, j] = b[f] + Σ_k Σ_u Σ_v w[f, k, u, v] · x_pad[n, k, i·s + u·d, j·s + v·d]``,

    где s — шаг (stride), d — дилатация (dilation), x_pad — вход, дополненный нулями.
    Тройная сумма по каналам k и строкам/столбцам ядра u, v записана как поэлементное
    произведение окна на ядро и сумма — это те же 3·3·C слагаемых.
    Как и PyTorch, считаем взаимную корреляцию: ядро не переворачивается.

    Args:
        x: вход (N, C, H, W).
        weight: ядра (F, C, KH, KW).
        bias: смещения (F,) или None.
        stride: шаг, число или пара (по H, по W).
        padding: число, пара, ``'valid'`` (без дополнения) или ``'same'`` (выход как вход).
        dilation: дилатация ядра, число или пара.

    Returns:
        Карты признаков (N, F, H', W'), где
        ``H' = (H + 2·padding - dilation·(KH - 1) - 1) // stride + 1`` (так же для W').

    Raises:
        TypeError: не тензоры, не вещественные или разные dtype у x, weight, bias (как у
            ``F.conv2d``), не целые stride/padding/dilation.
        ValueError: неверное число измерений, пустое ядро (0 фильтров, KH или KW = 0), каналы не
            совпадают, ядро больше дополненного входа, ``padding='same'`` при stride > 1
            (PyTorch это сочетание не поддерживает).
    """
    x_pad, bias, (sh, sw), (dh, dw), (kh, kw), (out_h, out_w) = _prepare(x, weight, bias, stride, padding, dilation)
    n_batch, n_filters = x_pad.shape[0], weight.shape[0]
    out = x_pad.new_zeros((n_batch, n_filters, out_h, out_w))  # (N, F, H', W')
    for n in range(n_batch):
        for f in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    # окно (C, KH, KW): строки i·s, i·s + d, ..., столбцы так же
                    window = x_pad[
                        n, :, i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw
                    ]
                    z = (weight[f] * window).sum()
                    if bias is not None:
                        z = z + bias[f]
                    out[n, f, i, j] = z
    return out


def conv2d_im2col(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """Двумерная свёртка без циклов: im2col (окна → столбцы матрицы) и одно умножение матриц.

    Идея: каждое окно входа (C, KH, KW), на которое ложится ядро, вытягиваем в строку
    длины C·KH·KW. Окон столько же, сколько позиций выхода: N·H'·W'. Получается матрица
    окон (N·H'·W', C·KH·KW). Ядра (F, C, KH, KW) тоже вытягиваем — матрица (C·KH·KW, F).
    Их произведение (N·H'·W', F) — это все суммы ``Σ w·x`` сразу; остаётся прибавить
    смещение и переставить оси. Окна берутся через ``as_strided`` — это «вид» на те же
    данные без копирования; копия появляется только при вытягивании в матрицу.
    Так свёртку считают и библиотеки (cuDNN, oneDNN — с дополнительными ухищрениями).

    Args и Raises: как у :func:`conv2d_naive`: x (N, C, H, W), weight (F, C, KH, KW), bias (F,).

    Returns:
        Карты признаков (N, F, H', W').
    """
    x_pad, bias, (sh, sw), (dh, dw), (kh, kw), (out_h, out_w) = _prepare(x, weight, bias, stride, padding, dilation)
    x_pad = x_pad.contiguous()
    n_batch, channels = x_pad.shape[:2]
    s_n, s_c, s_h, s_w = x_pad.stride()
    windows = x_pad.as_strided(
        (n_batch, out_h, out_w, channels, kh, kw),
        (s_n, s_h * sh, s_w * sw, s_c, s_h * dh, s_w * dw),
    )  # (N, H', W', C, KH, KW) — без копирования
    cols = windows.reshape(n_batch * out_h * out_w, channels * kh * kw)  # (N·H'·W', C·KH·KW)
    out = cols @ weight.reshape(weight.shape[0], -1).T  # (N·H'·W', F)
    if bias is not None:
        out = out + bias
    n_filters = weight.shape[0]
    return out.reshape(n_batch, out_h, out_w, n_filters).permute(0, 3, 1, 2).contiguous()  # (N, F, H', W')


_KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box_blur": [[1 / 9] * 3] * 3,
    "gaussian_blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}

KERNEL_NAMES = tuple(_KERNELS)

KERNEL_TITLES = {
    "identity": "тождественное (ничего не меняет)",
    "box_blur": "размытие (среднее по окну)",
    "gaussian_blur": "гауссово размытие",
    "sharpen": "повышение резкости",
    "sobel_x": "Собель по x (вертикальные границы)",
    "sobel_y": "Собель по y (горизонтальные границы)",
    "laplacian": "лапласиан (все границы)",
    "emboss": "тиснение",
}


def classic_kernel(name: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Классическое ядро 3×3 по имени (новый тензор при каждом вызове).

    Args:
        name: одно из :data:`KERNEL_NAMES`.
        dtype: вещественный тип результата (float32, float64, …); в целом типе дробные веса
            размытия обнулились бы.

    Returns:
        Ядро (3, 3).

    Raises:
        TypeError: dtype не вещественный тип torch.
        ValueError: неизвестное имя.
    """
    check_choice(name, "name", KERNEL_NAMES)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(
            f"dtype: ожидался вещественный тип torch (torch.float32, torch.float64), получено {describe(dtype)}; "
            "в целом типе веса 1/9 и 1/16 стали бы нулями"
        )
    return torch.tensor(_KERNELS[name], dtype=dtype)


def classic_kernels(dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """Все классические ядра: словарь имя → тензор (3, 3)."""
    return {name: classic_kernel(name, dtype) for name in KERNEL_NAMES}


ACTIVATIONS = ("none", "relu", "sigmoid", "tanh")


def activation(z: torch.Tensor, name: str) -> torch.Tensor:
    """Функция активации σ по имени: ``'none'`` (тождественная), ``'relu'``, ``'sigmoid'``, ``'tanh'``.

    Принимает и возвращает тензор любой формы.
    """
    check_choice(name, "activation", ACTIVATIONS)
    if name == "relu":
        return torch.relu(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    return z


def filter_image(image: torch.Tensor, kernel: torch.Tensor, bias: float = 0.0, act: str = "none") -> torch.Tensor:
    """Применяет одно ядро к картинке в оттенках серого: ``σ(свёртка + bias)``, размер сохраняется.

    Args:
        image: картинка (H, W) или (1, H, W); цветную сначала переведите в серую
            (:func:`cnn_course.images.to_grayscale`).
        kernel: ядро (KH, KW).
        bias: смещение.
        act: функция активации, одно из :data:`ACTIVATIONS`.

    Returns:
        Карта признаков (H, W) (``padding='same'``).

    Raises:
        TypeError: не тензоры, не вещественные, bias не число.
        ValueError: неверная форма, пустая картинка или ядро.
    """
    if isinstance(image, torch.Tensor) and image.ndim == 3 and image.shape[0] == 1:
        image = image[0]
    image = check_tensor(image, "image", 2, "(H, W)", nonempty=True)
    kernel = check_tensor(kernel, "kernel", 2, "(KH, KW)", floating=False, nonempty=True).to(image.dtype)
    bias = check_real(bias, "bias")
    check_choice(act, "act", ACTIVATIONS)
    z = F.conv2d(image[None, None], kernel[None, None], padding="same") + bias  # (1, 1, H, W)
    return activation(z, act)[0, 0]
