"""Реестр уроков: единственное место, где перечислены уроки курса.

Его читают таблица уроков в README, книга, браузерные тесты, тесты чистоты уроков и прогон
уроков в обычном режиме. Чтобы добавить урок 6, достаточно дописать сюда запись и положить
ноутбук в ``notebooks/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .settings import MODE_NAMES, MODES, run_mode

__all__ = ["Lesson", "LESSONS", "get_lesson", "start_lesson", "format_duration", "readme_table", "update_readme"]


@dataclass(frozen=True)
class Lesson:
    """Один урок курса.

    Attributes:
        number: номер урока (1, 2, …).
        file: имя ноутбука в ``notebooks/``.
        title: название урока.
        summary: чему учит урок (одна строка для таблицы README).
        widgets: имена обозревателей из ``cnn_course.widgets``, которые урок показывает.
        exercise_prefix: префикс ключей упражнений урока (``'conv'`` → ``'conv.params'``).
        budget_s: ожидаемое время выполнения всего урока на двух ядрах CPU, секунды, по режимам
            (``'smoke'``, ``'default'``, ``'lecture'``). Проверочный и обычный — измерены
            (tools/run_lessons.py), тест прогона уроков сверяет с ними время с запасом вдвое на шум;
            лекционный — оценка по измеренной скорости (полные 5 эпох лекции никто не гоняет в CI).
    """

    number: int
    file: str
    title: str
    summary: str
    widgets: tuple[str, ...] = ()
    exercise_prefix: str = ""
    budget_s: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def stem(self) -> str:
        """Имя файла без ``.ipynb``."""
        return self.file.removesuffix(".ipynb")


def _budget(smoke: int, default: int, lecture: int) -> MappingProxyType:
    return MappingProxyType({"smoke": smoke, "default": default, "lecture": lecture})


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1,
        "01_convolution.ipynb",
        "Свёртка своими руками",
        "фильтр (веса и смещение) скользит по входу; формула $z = \\sum \\omega x + \\omega_0$ с числами; "
        "анимация окна; свёртка циклами против `F.conv2d`; функция активации; карта признаков; классические "
        "ядра на фотографии; многоканальный вход; шаг, дополнение нулями, дилатация (с анимациями); "
        "обозреватель свёртки и редактор ядра; эквивариантность к сдвигу; обучение ядра градиентным спуском",
        widgets=("conv_explorer", "kernel_editor"),
        exercise_prefix="conv",
        budget_s=_budget(20, 25, 25),
    ),
    Lesson(
        2,
        "02_pooling.ipynb",
        "Пулинг",
        "зачем уменьшать карты признаков; max-, min- и усредняющий пулинг вручную (с анимацией окна) и в "
        "PyTorch; `nn.MaxPool2d` (шаг по умолчанию равен окну), нечётные размеры и `ceil_mode`; измеренная "
        "локальная инвариантность к сдвигу; градиент max-пулинга; свёртка с шагом 2 вместо пулинга; пулинг "
        "для 1-D и 3-D, адаптивный пулинг; обозреватель пулинга",
        widgets=("pool_explorer",),
        exercise_prefix="pool",
        budget_s=_budget(15, 15, 15),
    ),
    Lesson(
        3,
        "03_conv_layers_and_shapes.ipynb",
        "Свёрточные слои и размеры тензоров",
        "формат `(batch, channels, H, W)`; `Conv1d`, `Conv2d`, `Conv3d` и `MaxPool1d/2d/3d`; форма весов и "
        "число параметров; формула размера выхода с дилатацией (и анимация окна); `padding='same'`; `bias=False` перед "
        "BatchNorm; откуда 4096 в модели из лекции и как исправить ошибку размеров; рецептивное поле; "
        "калькулятор форм",
        widgets=("shape_calculator",),
        exercise_prefix="shapes",
        budget_s=_budget(15, 15, 15),
    ),
    Lesson(
        4,
        "04_sun_regression.ipynb",
        "Находим солнце: свёрточная сеть для регрессии",
        "генерация набора картинок с солнцем в формате лекции; `SunDataset`, `transforms.v2`, "
        "`DataLoader`; модель лекции и проверка форм; цикл обучения лекции и `fit`; сохранение весов "
        "(`state_dict`, `.pt`, `weights_only=True`); MSE и RMSE в пикселях, ошибки на картинках; карты "
        "признаков; быстрый рецепт шаг за шагом (нормированные цели, предзагрузка, `channels_last`, "
        "BatchNorm, OneCycle, тепловая карта с soft-argmax)",
        exercise_prefix="sun",
        budget_s=_budget(60, 240, 6000),
    ),
    Lesson(
        5,
        "05_vgg.ipynb",
        "VGG-16 и VGG-19",
        "история и идея VGG (только свёртки 3×3: поле 5×5 и 7×7 меньшими весами), как её обучали; архитектура из "
        "конфигурации, `trace_shapes` до 1000 логитов, где сосредоточены 138 млн параметров, память "
        "прохода; `torchvision.models.vgg16/vgg19` и API `weights=` (`pretrained=True` устарел); "
        "`weights.transforms()` против `transforms.v2`; классификация фотографии и своей картинки "
        "(виджет загрузки) — без сети с предупреждением о случайных весах; карты признаков и "
        "фильтры первого слоя; маленькая VGG, обученная на солнце, против быстрой сети урока 4; перенос "
        "обучения (заморозка `features`, новая голова)",
        widgets=("image_classifier",),
        exercise_prefix="vgg",
        budget_s=_budget(60, 180, 720),
    ),
    Lesson(
        6,
        "06_classification_residual.ipynb",
        "Классификация и остаточные связи",
        "набор фигур шести классов, созданный в памяти; баланс классов, обучающая и валидационная выборки; "
        "логиты, softmax и `nn.CrossEntropyLoss` (логиты, а не вероятности); accuracy, кривые обучения и "
        "переобучение, матрица ошибок; аугментация `transforms.v2` и Dropout, измеренные на тех же данных; "
        "свёртка 1×1 и глобальный усредняющий пулинг против `Flatten` + `Linear`; остаточный блок "
        "$y = F(x) + x$ и деградация глубокой сети без него; BatchNorm с ним и без него; ResNet-18 в "
        "`trace_shapes`",
        exercise_prefix="cls",
        budget_s=_budget(15, 120, 120),
    ),
)


def get_lesson(key: int | str) -> Lesson:
    """Урок по номеру (``4``), имени файла (``'04_sun_regression.ipynb'``) или его началу (``'04'``).

    Raises:
        TypeError: ключ не число и не строка.
        ValueError: такого урока нет.
    """
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        raise TypeError(f"key: ожидался номер урока (int) или имя файла (str), получено {type(key).__name__}")
    for lesson in LESSONS:
        if key in (lesson.number, lesson.file, lesson.stem) or (
            isinstance(key, str) and lesson.file.startswith(key) and key[:2].isdigit()
        ):
            return lesson
    known = ", ".join(f"{les.number} ({les.file})" for les in LESSONS)
    raise ValueError(f"key: урока {key!r} нет; есть: {known}")


def format_duration(seconds: float) -> str:
    """Длительность по-русски: «40 с», «3 мин», «1 ч 5 мин» (с неразрывными пробелами)."""
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds}\u00a0с"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}\u00a0мин"
    hours, rest = divmod(minutes, 60)
    return f"{hours}\u00a0ч {rest}\u00a0мин" if rest else f"{hours}\u00a0ч"


def start_lesson(key: int | str) -> str:
    """Первая ячейка урока: печатает режим и ожидаемое время урока в нём, возвращает режим.

    Пример вывода: «Урок 4 «Находим солнце…». Режим: обычный — на 2 ядрах CPU около 5 мин.»
    """
    lesson = get_lesson(key)
    mode = run_mode()
    others = ", ".join(f"{MODE_NAMES[m]} ≈ {format_duration(lesson.budget_s[m])}" for m in MODES if m != mode)
    print(f"Урок {lesson.number} «{lesson.title}»")
    print(
        f"Режим: {MODE_NAMES[mode]} — на 2 ядрах CPU около {format_duration(lesson.budget_s[mode])} "
        f"(другие режимы: {others}; как переключить — в README, раздел «Режимы»)."
    )
    return mode


README_BEGIN = "<!-- таблица уроков: python tools/update_readme.py -->"
README_END = "<!-- конец таблицы уроков -->"


def readme_table() -> str:
    """Таблица уроков для README (Markdown) — из реестра, с временем в обычном режиме."""
    rows = ["| Урок | Чему учит | Время (обычный режим) |", "|---|---|---|"]
    for lesson in LESSONS:
        rows.append(
            f"| `notebooks/{lesson.file}` — «{lesson.title}» | {lesson.summary} | "
            f"≈ {format_duration(lesson.budget_s['default'])} |"
        )
    return "\n".join(rows)


def update_readme(path: str | Path) -> bool:
    """Заменяет таблицу уроков в README между метками; True, если файл изменился."""

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition(README_BEGIN)
    _, sep2, tail = rest.partition(README_END)
    if not sep or not sep2:
        raise ValueError(f"{path}: нет меток {README_BEGIN!r} … {README_END!r}")
    new = f"{head}{README_BEGIN}\n{readme_table()}\n{README_END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
