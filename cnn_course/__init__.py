"""cnn_course — пакет интерактивного курса по свёрточным нейронным сетям на PyTorch.

Публичный API — то, что перечислено в ``__all__``; урок пишет ``import cnn_course as cc`` и
зовёт ``cc.<имя>``, а обозреватели берёт из ``cnn_course.widgets`` (они тянут ipywidgets):

- свёртка и пулинг своими руками: ``conv2d_naive``, ``conv2d_im2col``, ``pool2d_naive``,
  ``MinPool1d/2d/3d``, классические ядра, ``filter_image``;
- правила размеров: ``conv_output_size``, ``pool_output_size``, ``trace_shapes``,
  ``receptive_field``, ``count_parameters``;
- логика обозревателей (чистые функции): ``conv_step``, ``pool_step``, ``shape_table``;
- анимации скользящего окна, играющие без ядра (и в книге): ``animate_conv``, ``animate_pool``;
- данные и модели урока 4–5: ``SunDataset``, ``make_sun_dataset``, ``sun_regressor``,
  ``sun_heatmap_net``, ``make_vgg``, ``load_pretrained_vgg``, ``classify_image``;
- классификация и остаточные связи (урок 6): ``make_shapes``, ``confusion_matrix``,
  ``show_confusion``, ``plot_curves``, ``ResidualBlock``, ``small_resnet``;
- обучение, не знающее задачи: ``fit``, ``evaluate``, ``predict``, ``TensorLoader``, метрики
  (``accuracy``, ``sun_metrics``), ``save_checkpoint`` / ``load_checkpoint``;
- урок и его режимы: ``start_lesson``, ``run_mode``, ``by_mode``, ``get_device``, ``LESSONS``;
- текст по-русски: ``fmt``, ``fmt_percent``, ``plural``; упражнения: ``exercise``, ``check``, ``quiz``,
  ``reveal``; демонстрация ошибки: ``expect_error``; рисунки: ``new_figure``, ``show_images``, …

Служебные классы (шаги обозревателей, строки таблиц, ``CourseFigure``) живут в своих модулях.
Импорт пакета ничего не меняет глобально: ни зёрен, ни стилей графиков.
"""

from .animation import animate_conv, animate_pool
from .checkpoint import load_checkpoint, save_checkpoint
from .classify import ResidualBlock, confusion_matrix, plot_curves, show_confusion, small_resnet
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
from .exercises import EXERCISES, CheckResult, check, exercise, quiz, reveal
from .explore import conv_step, explorer_kernel, pool_step, shape_table
from .formatting import count_words, fmt, fmt_percent, plural
from .images import integer_grid, load_photo, to_grayscale
from .lessons import LESSONS, Lesson, get_lesson, start_lesson
from .models import (
    VGG_CFGS,
    SoftArgmax2d,
    make_vgg,
    reorder_relu_pool,
    sun_heatmap_net,
    sun_regressor,
    vgg_blocks,
)
from .plotting import bar_chart, draw_grid, new_figure, show_images, show_predictions
from .pooling import POOL_MODES, MinPool1d, MinPool2d, MinPool3d, pool2d_naive
from .pretrained import LoadedVGG, classify_image, load_pretrained_vgg
from .settings import MODES, by_mode, get_device, run_mode
from .shapes import (
    ReceptiveField,
    ShapeMismatchError,
    ShapeTrace,
    conv_output_size,
    count_parameters,
    pool_output_size,
    receptive_field,
    trace_shapes,
)
from .shapes_data import SHAPE_CLASSES, make_shapes
from .sun import (
    RECIPES,
    DatasetExistsError,
    SunDataset,
    make_sun_dataset,
    read_labels,
    sun_loaders,
    sun_metrics,
    train_sun,
)
from .train import (
    History,
    TensorLoader,
    TrainingDiverged,
    accuracy,
    evaluate,
    fit,
    model_device,
    predict,
    train_one_epoch,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "KERNEL_NAMES",
    "KERNEL_TITLES",
    "activation",
    "classic_kernel",
    "classic_kernels",
    "conv2d_im2col",
    "conv2d_naive",
    "filter_image",
    "same_padding",
    "EXERCISES",
    "CheckResult",
    "check",
    "exercise",
    "quiz",
    "reveal",
    "expect_error",
    "conv_step",
    "explorer_kernel",
    "pool_step",
    "shape_table",
    "POOL_MODES",
    "MinPool1d",
    "MinPool2d",
    "MinPool3d",
    "pool2d_naive",
    "integer_grid",
    "load_photo",
    "to_grayscale",
    "animate_conv",
    "animate_pool",
    "bar_chart",
    "draw_grid",
    "new_figure",
    "show_images",
    "show_predictions",
    "MODES",
    "by_mode",
    "get_device",
    "run_mode",
    "LESSONS",
    "Lesson",
    "get_lesson",
    "start_lesson",
    "count_words",
    "fmt",
    "fmt_percent",
    "plural",
    "conv_output_size",
    "pool_output_size",
    "count_parameters",
    "receptive_field",
    "trace_shapes",
    "ReceptiveField",
    "ShapeMismatchError",
    "ShapeTrace",
    "DatasetExistsError",
    "SunDataset",
    "make_sun_dataset",
    "read_labels",
    "VGG_CFGS",
    "SoftArgmax2d",
    "make_vgg",
    "reorder_relu_pool",
    "sun_heatmap_net",
    "sun_regressor",
    "vgg_blocks",
    "LoadedVGG",
    "classify_image",
    "load_pretrained_vgg",
    "RECIPES",
    "sun_loaders",
    "sun_metrics",
    "train_sun",
    "History",
    "TensorLoader",
    "TrainingDiverged",
    "accuracy",
    "evaluate",
    "fit",
    "load_checkpoint",
    "model_device",
    "predict",
    "save_checkpoint",
    "train_one_epoch",
    "SHAPE_CLASSES",
    "make_shapes",
    "ResidualBlock",
    "confusion_matrix",
    "plot_curves",
    "show_confusion",
    "small_resnet",
]
