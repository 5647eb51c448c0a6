"""Командная строка курса: python -m cnn_course sun-dataset | train-sun."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """ArgumentParser, который сообщает об ошибке по-русски и подсказывает --help."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._optionals.title = "параметры"
        self.add_argument("-h", "--help", action="help", help="показать эту справку и выйти")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"Ошибка в аргументах: {message}\nСправка: {self.prog} --help\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cnn_course", description="Инструменты курса по свёрточным сетям.")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=_Parser, title="команды")
    ds = sub.add_parser("sun-dataset", help="сгенерировать картинки с солнцем в формате лекции",
                        description="Создаёт DIR/train и DIR/test с картинками и format.json.")
    ds.add_argument("--out", required=True, metavar="DIR", help="папка набора")
    ds.add_argument("--n-train", type=int, default=10000, metavar="N", help="картинок в train (10000)")
    ds.add_argument("--n-test", type=int, default=1000, metavar="N", help="картинок в test (1000)")
    ds.add_argument("--seed", type=int, default=0, metavar="S", help="зерно (0)")
    ds.add_argument("--size", type=int, default=256, metavar="PX", help="сторона картинки (256)")
    tr = sub.add_parser("train-sun", help="обучить регрессор солнца и вывести ошибку на тесте",
                        description="Обучает модель на папке в формате лекции (train/, test/, format.json).")
    tr.add_argument("--data", required=True, metavar="DIR", help="папка набора")
    tr.add_argument("--recipe", choices=["lecture", "fast"], default="fast", help="рецепт (fast)")
    tr.add_argument("--epochs", type=int, default=None, metavar="N", help="число эпох (по рецепту)")
    tr.add_argument("--out", default=None, metavar="FILE", help="куда сохранить веса (.pt)")
    tr.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto", help="устройство (auto)")
    tr.add_argument("--seed", type=int, default=0, metavar="S", help="зерно (0)")
    return parser


def main(argv=None) -> int:
    """Точка входа; возвращает код выхода (0 — успех, 2 — ошибка в аргументах или данных)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "sun-dataset":
            from .data import make_sun_dataset

            root = make_sun_dataset(args.out, args.n_train, args.n_test, size=args.size, seed=args.seed)
            print(f"Готово: {root}/train ({args.n_train} картинок), {root}/test ({args.n_test}), метки в format.json")
        else:
            from .sun import train_sun

            result = train_sun(args.data, args.recipe, epochs=args.epochs, device=args.device, seed=args.seed,
                               out=args.out)
            print(f"Рецепт {args.recipe}: обучение {result.train_seconds:.1f} с "
                  f"(+ чтение картинок {result.preload_seconds:.1f} с) на {result.device}")
            print(f"Тест: MSE = {result.test['mse_px']:.3f} пикс², RMSE = {result.test['rmse_px']:.3f} пикс")
            if args.out:
                print(f"Веса сохранены: {args.out}")
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"Ошибка: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
