"""cnn_course — пакет интерактивного курса по свёрточным нейронным сетям на PyTorch.

Уроки (папка notebooks/) импортируют всё отсюда; код помощников в уроки не копируется.
Импорт пакета ничего не меняет глобально: ни зёрен, ни стилей графиков.
"""

from .conv import (
    ACTIVATIONS,
    KERNEL_NAMES,
    KERNEL_TITLES,
    activation,
    classic_kernel,
    classic_kernels,
    conv2d_im2col,
    conv2d_naive,
    filter_image,
    same_padding,
)
from .demo import expect_error
from .exercises import EXERCISES, CheckResult, check, exercise
from .explore import LAYER_KINDS, ConvStep, PoolStep, ShapeRow, conv_step, explorer_kernel, pool_step, shape_table
from .images import integer_grid, load_photo, to_grayscale
from .plotting import CourseFigure, bar_chart, draw_grid, figure_to_png, new_figure, show_images, show_predictions
from .pooling import POOL_MODES, MinPool1d, MinPool2d, MinPool3d, pool2d_naive
from .formatting import count_words, fmt, fmt_percent, plural
from .lessons import LESSONS, Lesson, get_lesson, start_lesson
from .settings import MODES, by_mode, fast_mode, get_device, run_mode
from .shapes import (
    LayerRow,
    ReceptiveField,
    ShapeMismatchError,
    ShapeTrace,
    conv_output_size,
    count_parameters,
    pool_output_size,
    receptive_field,
    trace_shapes,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "KERNEL_NAMES", "KERNEL_TITLES", "activation", "classic_kernel", "classic_kernels",
    "conv2d_im2col", "conv2d_naive", "filter_image", "same_padding",
    "EXERCISES", "CheckResult", "check", "exercise", "expect_error",
    "LAYER_KINDS", "ConvStep", "PoolStep", "ShapeRow", "conv_step", "explorer_kernel", "pool_step", "shape_table",
    "POOL_MODES", "MinPool1d", "MinPool2d", "MinPool3d", "pool2d_naive",
    "integer_grid", "load_photo", "to_grayscale",
    "CourseFigure", "bar_chart", "draw_grid", "figure_to_png", "new_figure", "show_images", "show_predictions",
    "MODES", "by_mode", "fast_mode", "get_device", "run_mode",
    "LESSONS", "Lesson", "get_lesson", "start_lesson",
    "count_words", "fmt", "fmt_percent", "plural",
    "conv_output_size", "pool_output_size", "count_parameters", "receptive_field", "trace_shapes",
    "LayerRow", "ReceptiveField", "ShapeMismatchError", "ShapeTrace",
]
