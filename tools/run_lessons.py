"""Прогон уроков в выбранном режиме: каждый урок в свежем ядре, время и пиковая память ядра.

    python tools/run_lessons.py --mode default                 # все уроки, таблица в конце
    python tools/run_lessons.py --mode default 04 05 --out build/executed/default

Уроки выполняются по порядку в одной рабочей папке (копии notebooks/): как у ученика, урок 5
берёт набор данных, созданный уроком 4. Выполненные ноутбуки (с выводами и состоянием виджетов)
пишутся в ``--out`` — из них собирается книга. Пиковая память — наибольшая сумма RSS ядра и PSS его
дочерних процессов (опрос каждые 0,25 с; общие после fork страницы не считаются дважды) или пик
самого ядра (VmHWM), что больше.

Код возврата: 0 — все уроки выполнены без ошибок; 1 — где-то ошибка (таблица всё равно печатается).
Бюджеты времени и памяти проверяет тест tests/test_lessons_run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnn_course.lessons import LESSONS, get_lesson  # noqa: E402
from cnn_course.settings import MODES  # noqa: E402


@dataclass
class LessonRun:
    """Итог прогона одного урока."""

    number: int
    file: str
    seconds: float
    peak_mb: float
    error: str | None


def _status_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) процесса в КБ из /proc/PID/status (дёшево); (0, 0), если процесса уже нет."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def _pss_kb(pid: int) -> int:
    """PSS процесса в КБ: общие страницы делятся между процессами, которые их делят.

    Дочерние процессы, рождённые fork (генерация набора), разделяют страницы ядра; их RSS
    посчитал бы эти страницы дважды, PSS — нет.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                out += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return out


class MemoryWatcher(threading.Thread):
    """Опрашивает память (PSS) дерева процессов ядра и запоминает максимум (в МБ)."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.cell_peak_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            total, stack, seen = 0, [self.pid], set()
            while stack:
                pid = stack.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                if pid == self.pid:  # само ядро: RSS (дёшево) и его пик VmHWM
                    rss, hwm = _status_kb(pid)
                    total += rss
                    self.peak_kb = max(self.peak_kb, hwm)
                else:  # дочерние процессы после fork делят страницы ядра: PSS их не удваивает
                    total += _pss_kb(pid)
                stack += _children(pid)
            self.peak_kb = max(self.peak_kb, total)
            self.cell_peak_kb = max(self.cell_peak_kb, total)
            self.stopped.wait(self.interval)

    def stop(self) -> float:
        self.stopped.set()
        self.join()
        return self.peak_kb / 1024


def run_lesson(path: Path, workdir: Path, timeout: int, verbose: bool = True) -> tuple[LessonRun, object]:
    """Выполняет ноутбук в свежем ядре в папке ``workdir``; возвращает итог и выполненный ноутбук."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    error = None
    start = time.perf_counter()
    watcher = None
    with client.setup_kernel():
        pid = getattr(client.km.provisioner, "pid", None) if client.km.provisioner else None
        if pid is None:
            pid = client.km.provisioner.process.pid
        watcher = MemoryWatcher(pid)
        watcher.start()
        try:
            for index, cell in enumerate(nb.cells):
                cell_start = time.perf_counter()
                watcher.cell_peak_kb = 0
                client.execute_cell(cell, index)
                took = time.perf_counter() - cell_start
                if verbose and (took >= 3 or watcher.cell_peak_kb > 1536 * 1024):
                    print(f"    ячейка {index}: {took:.1f} с, пик {watcher.cell_peak_kb / 1024:.0f} МБ", flush=True)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            error = f"{type(err).__name__}: {str(err)[-1500:]}"
        finally:
            peak = watcher.stop()
            client.set_widgets_metadata()
    seconds = time.perf_counter() - start
    lesson = get_lesson(path.name)
    return LessonRun(lesson.number, lesson.file, seconds, peak, error), nb


def run_all(mode: str, keys: list[str], out: Path | None, timeout: int) -> list[LessonRun]:
    """Прогоняет уроки ``keys`` (пусто — все) в режиме ``mode``; печатает таблицу."""
    import nbformat

    os.environ["CNN_COURSE_MODE"] = mode
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    lessons = [get_lesson(int(k) if str(k).isdigit() else k) for k in keys] if keys else list(LESSONS)
    runs = []
    with tempfile.TemporaryDirectory(prefix=f"lessons-{mode}-") as tmp:
        work = Path(tmp)
        for lesson in lessons:
            shutil.copy(ROOT / "notebooks" / lesson.file, work / lesson.file)
        for lesson in lessons:
            print(f"Урок {lesson.number} ({lesson.file}), режим {mode}…", flush=True)
            run, nb = run_lesson(work / lesson.file, work, timeout)
            runs.append(run)
            print(
                f"  {run.seconds:.1f} с, пик памяти ядра {run.peak_mb:.0f} МБ"
                + (f"\n  ОШИБКА: {run.error}" if run.error else ""),
                flush=True,
            )
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, out / lesson.file)
    print(table(runs, mode))
    if out is not None:
        (out / "runs.json").write_text(json.dumps([asdict(r) for r in runs], ensure_ascii=False, indent=1))
    return runs


def table(runs: list[LessonRun], mode: str) -> str:
    """Таблица «урок, секунды, пик МБ, бюджет» для печати."""
    lines = [f"Уроки в режиме {mode}:", f"{'урок':34} {'секунд':>8} {'бюджет':>8} {'пик, МБ':>9}  итог"]
    for r in runs:
        budget = get_lesson(r.number).budget_s[mode]
        lines.append(f"{r.file:34} {r.seconds:8.1f} {budget:8d} {r.peak_mb:9.0f}  {'ошибка' if r.error else 'ок'}")
    lines.append(f"{'всего':34} {sum(r.seconds for r in runs):8.1f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Прогон уроков в свежих ядрах: время и пиковая память.")
    parser.add_argument("lessons", nargs="*", help="номера или имена уроков (по умолчанию все)")
    parser.add_argument("--mode", choices=MODES, default="default", help="режим (по умолчанию default)")
    parser.add_argument("--out", type=Path, default=None, help="куда сохранить выполненные ноутбуки")
    parser.add_argument("--timeout", type=int, default=1800, help="предел на одну ячейку, с")
    args = parser.parse_args()
    runs = run_all(args.mode, args.lessons, args.out, args.timeout)
    return 1 if any(r.error for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
