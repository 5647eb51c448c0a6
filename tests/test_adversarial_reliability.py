"""Враждебные проверки надёжности: настоящие сигналы, два процесса сразу, ссылки, длинные имена,
сжатые контрольные точки, молчаливое «размножение» форм, NaN на последнем шаге.

Каждый случай, который может зависнуть, идёт в подпроцессе с тайм-аутом или под ``signal.alarm``:
зависание — провал теста, а не остановка CI.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from test_adversarial_data import deadline  # зависание — провал теста, а не остановка CI

import cnn_course as cc
from cnn_course.__main__ import main as cli_main
from cnn_course.checkpoint import load_checkpoint, save_checkpoint
from cnn_course.sun import DatasetExistsError, make_sun_dataset, train_sun
from cnn_course.train import TrainingDiverged, accuracy, evaluate, fit, train_one_epoch

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="нужен /proc (Linux)")


def _children(pid: int) -> list[int]:
    """PID прямых потомков процесса ``pid`` (по /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rpartition(")")[2].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _start_generation(tmp_path: Path, *command: str) -> tuple[subprocess.Popen, list[int]]:
    """Запускает генерацию 3000 картинок в подпроцессе и ждёт, пока заработают работники пула."""
    proc = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    end = time.monotonic() + 90
    workers: list[int] = []
    while time.monotonic() < end and len(workers) < 2:
        time.sleep(0.2)
        workers = [p for p in _children(proc.pid) if _alive(p)]
    return proc, workers


def _wait_dead(pids, seconds=15) -> list[int]:
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(_alive(p) for p in pids):
        time.sleep(0.2)
    alive = [p for p in pids if _alive(p)]
    for p in alive:  # тест не оставляет сирот даже на старом коде
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)
    return alive


# --- дочерние процессы умирают вместе с родителем -------------------------------------------------


@linux_only
@pytest.mark.slow
def test_sigkill_of_the_parent_kills_the_pool_workers(tmp_path):
    code = f"import cnn_course as cc; cc.make_sun_dataset({str(tmp_path / 'ds')!r}, 3000, 10, size=128, workers=2)"
    proc, workers = _start_generation(tmp_path, "-c", code)
    try:
        assert len(workers) == 2, proc.stderr.read() if proc.poll() is not None else "работники не появились"
        proc.kill()  # как перезапуск ядра Jupyter
        proc.wait(timeout=30)
        assert _wait_dead(workers) == [], "работники пережили родителя"
    finally:
        proc.kill()
        proc.communicate(timeout=30)


@linux_only
@pytest.mark.slow
def test_sigterm_of_the_cli_gives_130_kills_workers_and_cleans(tmp_path):
    args = ["-m", "cnn_course", "sun-dataset", "--out", str(tmp_path / "ds"), "--n-train", "3000", "--size", "128"]
    proc, workers = _start_generation(tmp_path, *args)
    try:
        assert len(workers) >= 2, "работники не появились"
        proc.terminate()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "Traceback" not in err and "Прервано" in err
        assert _wait_dead(workers) == []
        assert list(tmp_path.iterdir()) == []
    finally:
        proc.kill()


def test_stale_temporaries_are_cleaned_only_when_their_owner_is_gone(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    (tmp_path / f".ds.{dead}.0badf00d.tmp" / "train").mkdir(parents=True)
    (tmp_path / f".ds.{dead}.old-0badf00d").mkdir()
    (tmp_path / f".ds.{live}.cafebabe.tmp").mkdir()
    (tmp_path / ".ds.lock").write_text(str(dead))  # замок упавшего процесса
    make_sun_dataset(tmp_path / "ds", 2, 1, size=128, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".ds.{live}.cafebabe.tmp", "ds"]


# --- запись, которая не теряет и не затирает ------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="замок flock")
def test_a_live_claim_refuses_the_second_writer(tmp_path):
    import fcntl

    with open(tmp_path / ".ds.lock", "w") as held:  # так замок держит другой писатель
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242")
        held.flush()
        with pytest.raises(DatasetExistsError, match="другой процесс \\(PID 4242\\)"):
            make_sun_dataset(tmp_path / "ds", 2, 1, size=128, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ds.lock"]


@pytest.mark.slow
def test_two_generators_into_one_folder_one_wins(tmp_path):
    out = tmp_path / "ds"
    cmd = [sys.executable, "-m", "cnn_course", "sun-dataset", "--out", str(out), "--n-test", "5", "--size", "128"]
    procs = [
        subprocess.Popen(cmd + ["--n-train", n, "--seed", s], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for n, s in (("300", "1"), ("301", "2"))
    ]
    try:
        errs = [p.communicate(timeout=240)[1] for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert sorted(p.returncode for p in procs) == [0, 2], errs
    loser = errs[[p.returncode for p in procs].index(2)]
    assert "Traceback" not in loser and ("другой процесс" in loser or "не пуста" in loser), loser
    winner = 300 if procs[0].returncode == 0 else 301
    assert len(json.loads((out / "train" / "format.json").read_text())) == winner
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_a_file_put_into_the_target_while_generating_survives(tmp_path, monkeypatch):
    from cnn_course.sun import dataset as cdata

    target = tmp_path / "ds"
    real = cdata._render_chunk

    def render_and_intrude(args):
        (target / "notes.txt").parent.mkdir(exist_ok=True)
        (target / "notes.txt").write_text("мои заметки")
        return real(args)

    monkeypatch.setattr(cdata, "_render_chunk", render_and_intrude)
    with pytest.raises(DatasetExistsError, match="[а-я]"):
        make_sun_dataset(target, 2, 1, size=128, progress=False, workers=1)
    assert (target / "notes.txt").read_text() == "мои заметки"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


@pytest.mark.parametrize(
    "layout",
    [
        {".git/HEAD": "ref: refs/heads/main", ".env": "SECRET=1"},
        {"test/test_model.py": "def test(): pass"},
        {"train/format.json": "{}", "train/notes.txt": "моё"},
    ],
)
def test_overwrite_refuses_what_is_not_a_sun_dataset(tmp_path, layout):
    target = tmp_path / "ds"
    for name, text in layout.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    with pytest.raises(ValueError, match="не похож[а-я]* на набор"):
        make_sun_dataset(target, 2, 1, size=128, progress=False, overwrite=True)
    for name, text in layout.items():
        assert (target / name).read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_too_long_folder_name_is_refused_before_the_work(tmp_path):
    start = time.perf_counter()
    with pytest.raises(ValueError, match="255"):
        make_sun_dataset(tmp_path / ("н" * 120), 3000, 10, size=128, progress=False)  # 240 байт UTF-8
    assert time.perf_counter() - start < 2 and list(tmp_path.iterdir()) == []


def test_generated_folders_are_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        root = make_sun_dataset(tmp_path / "ds", 2, 1, size=128, progress=False)
    finally:
        os.umask(old)
    for folder in (root, root / "train"):
        assert folder.stat().st_mode & 0o055 == 0o055, oct(folder.stat().st_mode)


def test_save_checkpoint_never_writes_through_a_tmp_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("чужой файл")
    (tmp_path / "m.pt.tmp").symlink_to(victim)
    save_checkpoint(tmp_path / "m.pt", nn.Linear(2, 2))
    assert victim.read_text() == "чужой файл"
    load_checkpoint(tmp_path / "m.pt", nn.Linear(2, 2))


def test_save_checkpoint_takes_the_longest_valid_name(tmp_path):
    path = tmp_path / ("m" * 252 + ".pt")
    save_checkpoint(path, nn.Linear(2, 2))
    assert load_checkpoint(path, nn.Linear(2, 2)) == {}


def test_two_threads_saving_one_path_leave_a_valid_file(tmp_path):
    path, errors = tmp_path / "m.pt", []

    def save(seed):
        try:
            for _ in range(10):
                torch.manual_seed(seed)
                save_checkpoint(path, nn.Linear(64, 64), seed=seed)
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=save, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert load_checkpoint(path, nn.Linear(64, 64))["seed"] in (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]


@pytest.mark.parametrize("exit_code, fails", [(3, 1), (3, 2)])
def test_cli_keeps_the_trained_model_when_saving_fails(tmp_path, monkeypatch, capsys, exit_code, fails):
    data = make_sun_dataset(tmp_path / "ds", 64, 16, size=128, progress=False)
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    real_save, calls = torch.save, []

    def disk_full(obj, f, *args, **kwargs):
        calls.append(f)
        if len(calls) <= fails:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", disk_full)
    out = tmp_path / "model.pt"
    code = cli_main(["train-sun", "--data", str(data), "--epochs", "5", "--out", str(out), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == exit_code and "Traceback" not in err and "No space" not in err, err
    saved = list(system_tmp.glob("*.pt"))
    if fails == 1:
        assert len(saved) == 1 and str(saved[0]) in err and "места" in err
        load_checkpoint(saved[0], cc.sun_heatmap_net(width=8, image_size=128))
    else:
        assert saved == [] and "потеряна" in err
    assert not out.exists()


def test_cli_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli_main(["--help"])
    text = capsys.readouterr().out
    for code in ("0", "1", "2", "3", "130"):
        assert f"{code} —" in text, text


# --- громко, а не молча ---------------------------------------------------------------------------


def _linear_loader(n=16, batch=4, target_shape=(1,)):
    x = torch.randn(n, 3)
    return [(x[i : i + batch], torch.randn(batch, *target_shape)) for i in range(0, n, batch)]


def test_fit_refuses_outputs_and_targets_that_would_broadcast():
    model = nn.Linear(3, 1)
    loader = _linear_loader(target_shape=())  # цели (B,), ответы (B, 1) → (B, B)
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\).*view\(-1, 1\)"):
        fit(model, loader, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"squeeze\(1\)"):
        evaluate(nn.Sequential(nn.Linear(3, 1), nn.Flatten(0)), _linear_loader(target_shape=(1,)))


def test_a_shape_change_on_the_second_batch_is_explained_in_russian():
    loader = _linear_loader()
    loader[1] = (torch.randn(4, 5), loader[1][1])
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="Модель не приняла батч формы \\(4, 5\\)"):
        train_one_epoch(model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), progress=False)


def test_nan_made_by_the_last_step_is_reported():
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=float("inf"))
    with pytest.raises(TrainingDiverged, match="[а-я]"):
        fit(model, _linear_loader(n=4), epochs=1, optimizer=opt, progress=False)


def test_a_loss_that_explodes_a_thousandfold_is_divergence():
    model, calls = nn.Linear(3, 1), []

    def exploding(p, y):
        calls.append(1)
        return nn.functional.mse_loss(p, y) * (1 if len(calls) <= 4 else 1e6)

    with pytest.raises(TrainingDiverged, match="1000|10³"):
        fit(model, _linear_loader(), epochs=3, loss_fn=exploding, optimizer=torch.optim.SGD(model.parameters(), lr=0))


def test_evaluate_refuses_a_nan_model():
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        evaluate(model, _linear_loader())


def test_accuracy_takes_column_labels_or_refuses():
    logits = torch.eye(5)
    labels = torch.arange(5)
    assert accuracy(logits, labels) == 1.0
    assert accuracy(logits, labels.view(-1, 1)) == 1.0
    with pytest.raises(ValueError, match="target"):
        accuracy(logits, torch.zeros(5, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="target"):
        accuracy(logits, labels[:3])


def test_onecycle_with_too_few_steps_or_no_length_is_refused_in_russian():
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="OneCycle"):
        fit(model, _linear_loader(n=4), epochs=4, scheduler="onecycle", progress=False)
    with pytest.raises(TypeError, match="OneCycle"):
        fit(model, iter(_linear_loader()), epochs=2, scheduler="onecycle", progress=False)


def test_train_sun_refuses_test_pictures_of_another_size(tmp_path):
    small = make_sun_dataset(tmp_path / "a", 8, 2, size=128, progress=False)
    big = make_sun_dataset(tmp_path / "b", 2, 2, size=256, progress=False)
    os.rename(small / "test", tmp_path / "old-test")
    os.rename(big / "test", small / "test")
    start = time.perf_counter()
    with pytest.raises(ValueError, match="128×128.*256×256|256×256.*128×128"):
        train_sun(small, "fast", epochs=1000, progress=False)
    assert time.perf_counter() - start < 5


def test_receptive_field_is_exact_or_refuses():
    assert cc.receptive_field([nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3))]).size == 5

    class Reuse(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3)

        def forward(self, x):
            x = self.conv(x)
            if x.mean() > -1e9:  # зависит от данных: слой применяется ещё раз
                x = self.conv(self.conv(x))
            return x

    class ExtraArgument(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(1, 1, 3))

        def forward(self, x, twice=True):
            return self.body(self.body(x)) if twice else self.body(x)

    for model in (Reuse(), ExtraArgument()):
        with pytest.raises(TypeError, match=type(model).__name__):
            cc.receptive_field(model)


# --- ограниченная работа --------------------------------------------------------------------------


def test_a_compressed_checkpoint_is_refused_before_loading(tmp_path):
    plain = tmp_path / "plain.pt"
    save_checkpoint(plain, nn.Linear(2, 2))
    packed = tmp_path / "packed.pt"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr(info.filename.split("/")[0] + "/data/99", b"\0" * 50_000_000)  # 50 МБ → 50 КБ
    assert packed.stat().st_size < 1_000_000
    with deadline(10), pytest.raises(ValueError, match="сжат"):
        load_checkpoint(packed, nn.Linear(2, 2))


def test_animate_conv_counts_frames_before_computing_windows():
    start = time.perf_counter()
    with deadline(20), pytest.raises(ValueError, match="слишком много"):
        cc.animate_conv(size=3, padding=100)
    assert time.perf_counter() - start < 2


def test_dataset_count_is_a_russian_plural(tmp_path, capsys):
    assert (
        cli_main(["sun-dataset", "--out", str(tmp_path / "d"), "--n-train", "21", "--n-test", "1", "--size", "128"])
        == 0
    )
    out = capsys.readouterr().out
    assert re.search(r"21\sкартинка\b", out) and "картинок" not in out, out
