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
from .exercises import EXERCISES, CheckResult, check, exercise, reveal
from .explore import LAYER_KINDS, ConvStep, PoolStep, ShapeRow, conv_step, explorer_kernel, pool_step, shape_table
from .data import DatasetExistsError, SunDataset, make_sun_dataset, read_labels
from .images import integer_grid, load_photo, to_grayscale
from .models import (
    VGG_CFGS,
    SoftArgmax2d,
    make_vgg,
    reorder_relu_pool,
    sun_heatmap_net,
    sun_regressor,
    vgg_blocks,
)
from .plotting import CourseFigure, bar_chart, draw_grid, figure_to_png, new_figure, show_images, show_predictions
from .pretrained import LoadedVGG, classify_image, load_pretrained_vgg
from .pooling import POOL_MODES, MinPool1d, MinPool2d, MinPool3d, pool2d_naive
from .formatting import count_words, fmt, fmt_percent, plural
from .lessons import LESSONS, Lesson, get_lesson, start_lesson
from .settings import MODES, by_mode, fast_mode, get_device, run_mode
from .sun import RECIPES, sun_loaders, sun_metrics, train_sun
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
from .train import (
    History,
    TensorLoader,
    TrainingDiverged,
    accuracy,
    evaluate,
    fit,
    load_checkpoint,
    model_device,
    predict,
    save_checkpoint,
    train_one_epoch,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "KERNEL_NAMES", "KERNEL_TITLES", "activation", "classic_kernel", "classic_kernels",
    "conv2d_im2col", "conv2d_naive", "filter_image", "same_padding",
    "EXERCISES", "CheckResult", "check", "exercise", "reveal", "expect_error",
    "LAYER_KINDS", "ConvStep", "PoolStep", "ShapeRow", "conv_step", "explorer_kernel", "pool_step", "shape_table",
    "POOL_MODES", "MinPool1d", "MinPool2d", "MinPool3d", "pool2d_naive",
    "integer_grid", "load_photo", "to_grayscale",
    "CourseFigure", "bar_chart", "draw_grid", "figure_to_png", "new_figure", "show_images", "show_predictions",
    "MODES", "by_mode", "fast_mode", "get_device", "run_mode",
    "LESSONS", "Lesson", "get_lesson", "start_lesson",
    "count_words", "fmt", "fmt_percent", "plural",
    "conv_output_size", "pool_output_size", "count_parameters", "receptive_field", "trace_shapes",
    "LayerRow", "ReceptiveField", "ShapeMismatchError", "ShapeTrace",
    "DatasetExistsError", "SunDataset", "make_sun_dataset", "read_labels",
    "VGG_CFGS", "SoftArgmax2d", "make_vgg", "reorder_relu_pool", "sun_heatmap_net", "sun_regressor", "vgg_blocks",
    "LoadedVGG", "classify_image", "load_pretrained_vgg",
    "RECIPES", "sun_loaders", "sun_metrics", "train_sun",
    "History", "TensorLoader", "TrainingDiverged", "accuracy", "evaluate", "fit", "load_checkpoint", "model_device",
    "predict", "save_checkpoint", "train_one_epoch",
]
