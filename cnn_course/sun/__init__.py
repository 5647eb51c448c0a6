"""Урок 4 «Находим солнце» в одном месте: рисование картинок, набор данных в формате лекции, рецепты.

- :mod:`.draw` — процедурные картинки с солнцем (небо, облака, птицы, точки-помехи, спрайт);
- :mod:`.dataset` — ``make_sun_dataset`` (атомарная запись в раскладке лекции) и ``SunDataset``;
- :mod:`.recipes` — рецепты «лекция» и «быстрый», ``train_sun``, загрузчики и метрики в пикселях.
"""

from .dataset import MAX_DATASET_SIZE, DatasetExistsError, SunDataset, make_sun_dataset, read_labels
from .draw import MIN_IMAGE_SIZE, SPRITE_SIZE, SunStyle, draw_sun_image, sun_sprite
from .recipes import RECIPES, SunRecipe, SunResult, recipe_model, sun_loaders, sun_metrics, train_sun

__all__ = [
    "MAX_DATASET_SIZE",
    "DatasetExistsError",
    "SunDataset",
    "make_sun_dataset",
    "read_labels",
    "MIN_IMAGE_SIZE",
    "SPRITE_SIZE",
    "SunStyle",
    "draw_sun_image",
    "sun_sprite",
    "RECIPES",
    "SunRecipe",
    "SunResult",
    "recipe_model",
    "sun_loaders",
    "sun_metrics",
    "train_sun",
]
