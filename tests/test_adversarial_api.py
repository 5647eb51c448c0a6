"""Обход публичных функций моих модулей: None, строка и тензор не той формы → TypeError/ValueError по-русски.

Каждая пара (функция, плохой аргумент) — отдельный случай pytest; итог «попробовано / выдержало»
— это число собранных и прошедших случаев этого файла.
"""

import re

import pytest
import torch
import torchvision

import cnn_course as cc
from cnn_course import images, plotting, widgets
from cnn_course.sun import dataset as data

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
BAD = {"None": None, "строка": "abc", "тензор не той формы": torch.zeros(2, 0, 5, 5, 5, 5)}
W = torchvision.models.VGG11_Weights.DEFAULT

# функция, как подставить плохое значение; каждая вызывается с ним на месте главного аргумента
CALLS = {
    "conv2d_naive(x)": lambda v: cc.conv2d_naive(v, torch.zeros(1, 1, 1, 1)),
    "conv2d_naive(weight)": lambda v: cc.conv2d_naive(torch.zeros(1, 1, 3, 3), v),
    "conv2d_im2col(x)": lambda v: cc.conv2d_im2col(v, torch.zeros(1, 1, 1, 1)),
    "conv2d_im2col(bias)": lambda v: cc.conv2d_im2col(
        torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 1, 1), 0 if v is None else v
    ),
    "conv2d_naive(stride)": lambda v: cc.conv2d_naive(torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 1, 1), stride=v),
    "pool2d_naive(x)": lambda v: cc.pool2d_naive(v, 2),
    "pool2d_naive(kernel_size)": lambda v: cc.pool2d_naive(torch.zeros(1, 1, 4, 4), v),
    "MinPool1d(x)": lambda v: cc.MinPool1d(2)(v),
    "MinPool2d(x)": lambda v: cc.MinPool2d(2)(v),
    "MinPool3d(x)": lambda v: cc.MinPool3d(2)(v),
    "MinPool2d(kernel_size)": lambda v: cc.MinPool2d(v),
    "conv_output_size": lambda v: cc.conv_output_size(v, 3),
    "conv_output_size(padding)": lambda v: cc.conv_output_size(8, 3, padding=v),
    "pool_output_size": lambda v: cc.pool_output_size(v, 2),
    "pool_output_size(ceil_mode)": lambda v: cc.pool_output_size(8, 2, ceil_mode=v),
    "trace_shapes(model)": lambda v: cc.trace_shapes(v, (1, 3, 8, 8)),
    "trace_shapes(input_shape)": lambda v: cc.trace_shapes(cc.sun_regressor(), v),
    "receptive_field": lambda v: cc.receptive_field(v),
    "count_parameters": lambda v: cc.count_parameters(v),
    "filter_image(image)": lambda v: cc.filter_image(v, torch.ones(3, 3)),
    "filter_image(kernel)": lambda v: cc.filter_image(torch.zeros(5, 5), v),
    "filter_image(bias)": lambda v: cc.filter_image(torch.zeros(5, 5), torch.ones(3, 3), bias=v),
    "classic_kernel(name)": lambda v: cc.classic_kernel(v),
    "classic_kernel(dtype)": lambda v: cc.classic_kernel("identity", dtype=v),
    "same_padding": lambda v: cc.same_padding(v),
    "activation(name)": lambda v: cc.activation(torch.zeros(2), v),
    "conv_step(image)": lambda v: cc.conv_step(v, torch.ones(3, 3)),
    "conv_step(kernel)": lambda v: cc.conv_step(torch.zeros(5, 5), v),
    "conv_step(row)": lambda v: cc.conv_step(torch.zeros(5, 5), torch.ones(3, 3), row=v),
    "conv_step(padding)": lambda v: cc.conv_step(torch.zeros(5, 5), torch.ones(3, 3), padding=v),
    "pool_step(image)": lambda v: cc.pool_step(v),
    "pool_step(mode)": lambda v: cc.pool_step(torch.zeros(4, 4), mode=v),
    "explorer_kernel": lambda v: cc.explorer_kernel(v),
    "shape_table(size)": lambda v: cc.shape_table(v, 3, []),
    "shape_table(layers)": lambda v: cc.shape_table(8, 3, v),
    "to_grayscale": lambda v: cc.to_grayscale(v),
    "load_photo(size)": lambda v: cc.load_photo(v if v is not None else "x"),
    "integer_grid": lambda v: cc.integer_grid(v),
    "pil_to_rgb": lambda v: images.pil_to_rgb(v),
    "SunDataset(path)": lambda v: data.SunDataset(v),
    "read_labels": lambda v: data.read_labels(v),
    "open_rgb": lambda v: images.open_rgb(v),
    "make_sun_dataset(root)": lambda v: data.make_sun_dataset(
        v, 1, 1, size=5 if isinstance(v, str) else 256, progress=False
    ),
    "make_sun_dataset(n_train)": lambda v: data.make_sun_dataset("/nonexistent/x", v, 1, progress=False),
    "classify_image(model)": lambda v: cc.classify_image(v, torch.zeros(3, 8, 8), W),
    "classify_image(image)": lambda v: cc.classify_image(torch.nn.Linear(1, 1), v, W),
    "decode_image": lambda v: images.decode_image(v),
    "load_pretrained_vgg(name)": lambda v: cc.load_pretrained_vgg(v, download=False, verbose=False),
    "show_images": lambda v: plotting.show_images(v),
    "draw_grid": lambda v: plotting.draw_grid(None, v),
    "show_predictions": lambda v: plotting.show_predictions(v, torch.zeros(1, 2), torch.zeros(1, 2)),
    "conv_explorer": lambda v: widgets.conv_explorer(v if v is not None else [[1]]),
    "kernel_editor": lambda v: widgets.kernel_editor(v if v is not None else [[1]]),
    "shape_calculator": lambda v: widgets.shape_calculator(v),
    "image_classifier": lambda v: widgets.image_classifier(v, W),
}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("name", list(CALLS))
def test_public_function_refuses_in_russian(name, bad):
    # для путей несуществующая папка — FileNotFoundError (тоже по-русски)
    with pytest.raises((TypeError, ValueError, FileNotFoundError)) as info:
        CALLS[name](BAD[bad])
    assert CYRILLIC.search(str(info.value)), f"{name}({bad}): {type(info.value).__name__}: {info.value}"
    assert len(str(info.value)) < 2000
