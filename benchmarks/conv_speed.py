"""Скорость свёртки: циклы (conv2d_naive), im2col (conv2d_im2col) и F.conv2d на одних и тех же данных.

Запуск: ``python benchmarks/conv_speed.py`` (или ``make bench``). Все времена и отношения
измеряются в одном запуске на этой машине; цель — im2col не медленнее F.conv2d более чем в 3 раза
на входе (8, 3, 128, 128) с 16 фильтрами 3×3.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch
import torch.nn.functional as F

from cnn_course import conv2d_im2col, conv2d_naive


def best_time(fn, repeats: int) -> float:
    """Лучшее из ``repeats`` время одного вызова ``fn`` в секундах (после прогрева)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--naive-size", type=int, default=32, help="сторона входа для циклов (на 128×128 они шли бы минутами)"
    )
    args = parser.parse_args()

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, 128, 128, generator=gen)
    w = torch.randn(16, 3, 3, 3, generator=gen)
    b = torch.randn(16, generator=gen)
    print(f"torch {torch.__version__}, потоков {torch.get_num_threads()}, {platform.processor() or platform.machine()}")

    t_torch = best_time(lambda: F.conv2d(x, w, b, padding=1), args.repeats)
    t_im2col = best_time(lambda: conv2d_im2col(x, w, b, padding=1), args.repeats)
    torch.testing.assert_close(conv2d_im2col(x, w, b, padding=1), F.conv2d(x, w, b, padding=1), rtol=1e-4, atol=1e-4)
    print(f"\nВход {tuple(x.shape)}, 16 фильтров 3×3, padding=1:")
    print(f"  F.conv2d       {t_torch * 1e3:9.2f} мс")
    print(
        f"  conv2d_im2col  {t_im2col * 1e3:9.2f} мс   im2col / F.conv2d = {t_im2col / t_torch:.2f}× "
        f"(цель ≤ 3×: {'выполнена' if t_im2col / t_torch <= 3 else 'НЕ выполнена'})"
    )

    s = args.naive_size
    xs = x[:1, :, :s, :s].contiguous()
    t_naive = best_time(lambda: conv2d_naive(xs, w, b, padding=1), max(1, args.repeats // 10))
    t_torch_s = best_time(lambda: F.conv2d(xs, w, b, padding=1), args.repeats)
    t_im2col_s = best_time(lambda: conv2d_im2col(xs, w, b, padding=1), args.repeats)
    print(f"\nВход {tuple(xs.shape)} (для циклов поменьше):")
    print(f"  F.conv2d       {t_torch_s * 1e3:9.3f} мс")
    print(f"  conv2d_im2col  {t_im2col_s * 1e3:9.3f} мс   im2col / F.conv2d = {t_im2col_s / t_torch_s:.1f}×")
    print(
        f"  conv2d_naive   {t_naive * 1e3:9.1f} мс   naive / F.conv2d = {t_naive / t_torch_s:,.0f}×, "
        f"naive / im2col = {t_naive / t_im2col_s:,.0f}×".replace(",", " ")
    )


if __name__ == "__main__":
    main()
