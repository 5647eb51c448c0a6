"""Враждебные проверки данных, командной строки и VGG: потеря данных, зависания, выход за папку.

Всё, что могло бы зависнуть, идёт под ``signal.alarm`` или в подпроцессе с тайм-аутом.
"""

import contextlib
import http.client
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torchvision
from PIL import Image

import cnn_course as cc
from cnn_course import pretrained
from cnn_course.sun import DatasetExistsError, SunDataset, make_sun_dataset, read_labels
from cnn_course.sun import dataset as cdata

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def deadline(seconds):
    """Зависание превращается в провал теста, а не в остановку CI."""

    def boom(*_):
        raise TimeoutError(f"не уложилось в {seconds} с — зависание")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("adv") / "ds"
    make_sun_dataset(root, 4, 2, size=128, seed=1, progress=False)
    return root


def _clone(src: Path, dst: Path) -> Path:
    for p in src.rglob("*"):
        if p.is_file():
            (dst / p.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            (dst / p.relative_to(src)).write_bytes(p.read_bytes())
    return dst


# --- A1, A2: перезапись и прерывание --------------------------------------------------------------


def test_existing_dataset_is_not_overwritten(small, tmp_path):
    root = _clone(small, tmp_path / "d")
    (root / "train" / "format.json").write_text(json.dumps({"sun_reg_1.png": [50, 60]}))
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with pytest.raises(DatasetExistsError, match="не пуста") as info:
        make_sun_dataset(root, 2, 1, size=128, seed=5, progress=False)
    assert isinstance(info.value, ValueError)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    make_sun_dataset(root, 2, 1, size=128, seed=5, progress=False, overwrite=True)
    assert sorted(p.name for p in (root / "train").iterdir()) == ["format.json", "sun_reg_1.png", "sun_reg_2.png"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "временные папки убраны"


def test_overwrite_refuses_a_folder_that_is_not_a_dataset(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.tex").write_text("важное")
    with pytest.raises(ValueError, match="не похож[а-я]* на набор"):
        make_sun_dataset(tmp_path / "home", 1, 1, size=128, progress=False, overwrite=True)
    assert (tmp_path / "home" / "thesis.tex").read_text() == "важное"


@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError, MemoryError])
def test_interrupted_regeneration_keeps_the_old_set(small, tmp_path, monkeypatch, exc):
    root = _clone(small, tmp_path / "d")
    before = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    calls = {"n": 0}
    real = cdata._render_chunk

    def flaky(job):
        calls["n"] += 1
        if calls["n"] == 2:
            raise exc("прервано в тесте")
        return real(job)

    monkeypatch.setattr(cdata, "_render_chunk", flaky)
    with pytest.raises(exc):
        make_sun_dataset(root, 60, 20, size=128, seed=9, progress=False, overwrite=True, workers=1)
    assert {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"], "ни временной, ни старой папки"
    calls["n"] = 0
    with pytest.raises(exc):
        make_sun_dataset(tmp_path / "new", 60, 20, size=128, progress=False, workers=1)
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("size", [64, 65, 100, 127])
def test_small_sizes_refused_clearly(size, tmp_path):
    with pytest.raises(ValueError, match="size"):
        make_sun_dataset(tmp_path / "s", 3, 1, size=size, progress=False)
    assert not (tmp_path / "s").exists()


def test_labels_vary_at_the_smallest_size(small):
    labels = list(read_labels(small / "train").values()) + list(read_labels(small / "test").values())
    assert len({tuple(v) for v in labels}) > 1 and all(32 <= v <= 96 for xy in labels for v in xy)


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(root=None), TypeError),
        (dict(root=""), ValueError),
        (dict(sun_scale="big"), TypeError),
        (dict(sun_scale=(0.1, 0.2)), ValueError),
        (dict(occlusion="often"), TypeError),
        (dict(occlusion=float("nan")), ValueError),
        (dict(size=1_000_000), ValueError),
        (dict(n_train=10**9), ValueError),
        (dict(progress="no"), TypeError),
        (dict(overwrite="yes"), TypeError),
    ],
)
def test_make_sun_dataset_bad_arguments(kwargs, exc, tmp_path):
    args = dict(root=tmp_path / "x", n_train=1, n_test=1, size=128, progress=False) | kwargs
    with pytest.raises(exc, match="[а-яё]"):
        make_sun_dataset(**args)


# --- A3, A4: ключи, ссылки, FIFO ------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["../../../x.png", "/etc/passwd", "..", "a/../../b.png", "a\x00b.png", "C:\\x.png", "./sun.png", "", "a//b.png"],
)
def test_hostile_keys_refused(small, tmp_path, key):
    root = _clone(small, tmp_path / "d")
    (root / "train" / "format.json").write_text(json.dumps({key: [40, 40]}))
    with deadline(10), pytest.raises(ValueError, match="недопустимое имя"):
        SunDataset(root)


@pytest.mark.parametrize("preload", [False, True])
@pytest.mark.parametrize("target", ["/etc/passwd", "/dev/zero", "outside.png"])
def test_symlinks_outside_refused(small, tmp_path, preload, target):
    root = _clone(small, tmp_path / "d")
    if target == "outside.png":
        (tmp_path / "outside.png").write_bytes((root / "train" / "sun_reg_1.png").read_bytes())
        target = str(tmp_path / "outside.png")
    link = root / "train" / "sun_reg_1.png"
    link.unlink()
    link.symlink_to(target)
    with deadline(10), pytest.raises(ValueError, match="за пределы папки"):
        ds = SunDataset(root, preload=preload)
        ds[0]


@pytest.mark.parametrize("preload", [False, True])
def test_fifo_does_not_block(small, tmp_path, preload):
    root = _clone(small, tmp_path / "d")
    fifo = root / "train" / "sun_reg_2.png"
    fifo.unlink()
    os.mkfifo(fifo)
    with deadline(10), pytest.raises(ValueError, match="FIFO"):
        ds = SunDataset(root, preload=preload)
        ds[1]
    (root / "train" / "format.json").unlink()
    os.mkfifo(root / "train" / "format.json")
    with deadline(10), pytest.raises(ValueError, match="FIFO"):
        SunDataset(root)


def test_directory_as_image_and_deep_json(small, tmp_path):
    root = _clone(small, tmp_path / "d")
    (root / "train" / "sun_reg_1.png").unlink()
    (root / "train" / "sun_reg_1.png").mkdir()
    with pytest.raises(ValueError, match="папка"):
        SunDataset(root)[0]
    (root / "train" / "format.json").write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ValueError, match="вложенность|некорректный"):
        SunDataset(root)


@pytest.mark.parametrize("label", [[-500, 40], [40, 99999], [1e30, 2], [40, 200]])
def test_labels_outside_the_picture(small, tmp_path, label):
    root = _clone(small, tmp_path / "d")
    table = read_labels(root / "train")
    table["sun_reg_1.png"] = label
    (root / "train" / "format.json").write_text(json.dumps(table))
    with pytest.raises(ValueError, match="вне картинки"):
        SunDataset(root, preload=True)


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(path=None), TypeError),
        (dict(train="no"), TypeError),
        (dict(transform="resize"), TypeError),
        (dict(preload=1), TypeError),
        (dict(path=""), ValueError),
    ],
)
def test_sun_dataset_bad_arguments(small, kwargs, exc):
    args = dict(path=small) | kwargs
    with pytest.raises(exc, match="[а-яё]"):
        SunDataset(**args)


# --- картинки: 16 бит, огромные и вытянутые --------------------------------------------------------


def _png(array, mode=None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format="PNG")
    return buf.getvalue()


def test_16_bit_png_scaled_not_clipped():
    values = np.array([[0, 1000, 30000, 65535]], dtype=np.uint16)
    img = cc.images.decode_image(_png(values))
    assert np.asarray(img)[0, :, 0].tolist() == [0, 4, 117, 255]


def test_16_bit_png_in_the_dataset(small, tmp_path):
    root = _clone(small, tmp_path / "d")
    arr = np.full((128, 128), 30000, dtype=np.uint16)
    (root / "train" / "sun_reg_1.png").write_bytes(_png(arr))
    assert SunDataset(root)[0][0].getpixel((0, 0)) == (117, 117, 117)


@pytest.mark.parametrize("w, h", [(20000, 1), (1, 20000), (5000, 10), (8000, 8000)])
def test_extreme_images_refused_quickly(w, h):
    data = _png(np.zeros((h, w), dtype=np.uint8), "L")
    weights = torchvision.models.VGG11_Weights.DEFAULT
    tiny = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 1000))
    with deadline(20):
        start = time.perf_counter()
        with pytest.raises(ValueError, match="вытянута|велика"):
            cc.images.decode_image(data)
        with Image.open(io.BytesIO(data)) as img, pytest.raises(ValueError, match="вытянута|велика"):
            cc.classify_image(tiny, img, weights)
        assert time.perf_counter() - start < 5


# --- classify_image ------------------------------------------------------------------------------

WEIGHTS = torchvision.models.VGG11_Weights.DEFAULT


def _tiny():
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 1000))


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "I;16", "LA", "1", "CMYK", "I"])
def test_classify_any_pil_mode(mode):
    img = (
        Image.new("RGB", (40, 30), (200, 100, 50)).convert(mode)
        if mode not in ("I;16",)
        else Image.fromarray(np.full((30, 40), 40000, dtype=np.uint16))
    )
    assert len(cc.classify_image(_tiny(), img, WEIGHTS, topk=3)) == 3


@pytest.mark.parametrize(
    "image", [torch.full((3, 32, 32), 200.0), torch.full((3, 32, 32), -0.1), torch.full((3, 32, 32), float("nan"))]
)
def test_classify_refuses_float_outside_unit_range(image):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        cc.classify_image(_tiny(), image, WEIGHTS)


def test_classify_restores_train_mode_even_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise RuntimeError("сломалось")

    model = Boom().train()
    with pytest.raises(RuntimeError):
        cc.classify_image(model, torch.zeros(3, 32, 32), WEIGHTS)
    assert model.training
    flat = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Identity())  # без параметров: не StopIteration
    with pytest.raises(ValueError, match="1000"):
        cc.classify_image(flat, torch.zeros(3, 32, 32), WEIGHTS)


# --- загрузка весов -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _small_vgg(request, monkeypatch):
    """В тестах загрузки архитектура VGG-11 подменяется крошечной: проверяется логика, а не 500 МБ весов."""
    if (
        "pretrained" in request.node.name
        or "timeout" in request.node.name
        or "proxy" in request.node.name
        or "download" in request.node.name
        or "deadline" in request.node.name
    ):
        monkeypatch.setattr(pretrained.torchvision.models, "vgg11", lambda weights=None: nn.Linear(2, 2))


@pytest.mark.parametrize(
    "timeout, exc", [(-1, ValueError), (0, ValueError), ("5", TypeError), (float("inf"), ValueError), (None, TypeError)]
)
def test_bad_timeout(timeout, exc, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(exc, match="timeout"):
        cc.load_pretrained_vgg("vgg11", timeout=timeout, verbose=False)


@pytest.mark.parametrize(
    "error", [http.client.BadStatusLine("мусор"), http.client.IncompleteRead(b"x"), ConnectionResetError("сброс")]
)
def test_proxy_garbage_is_caught(error, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def urlopen(*a, **k):
        raise error

    monkeypatch.setattr(pretrained.urllib.request, "urlopen", urlopen)
    loaded = cc.load_pretrained_vgg("vgg11", timeout=1, verbose=False)
    assert not loaded.pretrained and "скачать не удалось" in loaded.message
    assert not list(tmp_path.rglob("*.partial"))


class _Trickle(io.RawIOBase):
    """Сервер, который отдаёт по байту раз в 0,2 с — тайм-аут на операцию его не остановит."""

    def readable(self):
        return True

    def read1(self, n=-1):
        time.sleep(0.2)
        return b"x"

    read = read1


def test_total_deadline_and_partial_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(pretrained.urllib.request, "urlopen", lambda *a, **k: _Trickle())
    dest = tmp_path / "vgg11-8a719046.pth"
    with deadline(20):
        start = time.perf_counter()
        with pytest.raises(TimeoutError, match="не уложилась в 1 с"):
            pretrained._download("http://example.invalid/w.pth", dest, 1.0)
        assert time.perf_counter() - start < 2.5  # общий срок, а не 1 с на каждый байт
    assert list(tmp_path.iterdir()) == []
    loaded = cc.load_pretrained_vgg("vgg11", timeout=0.5, verbose=False)
    assert not loaded.pretrained and "TimeoutError" in loaded.message
    assert not list(tmp_path.rglob("*.partial"))


def test_ctrl_c_during_download_removes_partial(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    class Interrupted(_Trickle):
        def read1(self, n=-1):
            raise KeyboardInterrupt

    monkeypatch.setattr(pretrained.urllib.request, "urlopen", lambda *a, **k: Interrupted())
    with pytest.raises(KeyboardInterrupt):
        cc.load_pretrained_vgg("vgg11", timeout=5, verbose=False)
    assert not list(tmp_path.rglob("*.partial"))


# --- командная строка -----------------------------------------------------------------------------


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def cli(*args, timeout=60, **kw):
    """Командная строка в этом же процессе (подпроцесс с импортом torch стоил бы секунды на вызов)."""
    from contextlib import redirect_stderr, redirect_stdout

    from cnn_course.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    if kw.get("cwd"):
        os.chdir(kw["cwd"])
    try:
        with deadline(timeout), redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as stop:
                code = stop.code
    finally:
        os.chdir(old)
    return _Result(code, out.getvalue(), err.getvalue())


def _no_traceback_russian(res, code=2):
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr and any("а" <= ch <= "я" for ch in res.stderr.lower()), res.stderr


def test_cli_dataset_twice_refused_then_overwrite(tmp_path):
    out = tmp_path / "d"
    assert cli("sun-dataset", "--out", out, "--n-train", 2, "--n-test", 1, "--size", 128).returncode == 0
    labels = (out / "train" / "format.json").read_text()
    res = cli("sun-dataset", "--out", out, "--n-train", 3, "--n-test", 1, "--size", 128, "--seed", 4)
    _no_traceback_russian(res)
    assert "--overwrite" in res.stderr and (out / "train" / "format.json").read_text() == labels
    res = cli("sun-dataset", "--out", out, "--n-train", 3, "--n-test", 1, "--size", 128, "--overwrite")
    assert res.returncode == 0 and len(json.loads((out / "train" / "format.json").read_text())) == 3


@pytest.mark.parametrize(
    "args, text",
    [
        (["sun-dataset"], "обязательных"),
        (["sun-dataset", "--out", ""], "путь пуст"),
        (["sun-dataset", "--out", "X", "--size", "1000000"], "от 128 до 2048"),
        (["sun-dataset", "--out", "X", "--n-train", "abc"], "целое"),
        (["sun-dataset", "--out", "X", "--bogus"], "неизвестные аргументы"),
        (["train-sun", "--data", "X", "--recipe", "slow"], "недопустимое значение"),
        (["train-sun"], "обязательных"),
        (["frobnicate"], "недопустимое значение"),
        (["train-sun", "--data", "X", "--out", ""], "путь пуст"),
    ],
)
def test_cli_argparse_speaks_russian(args, text, tmp_path):
    res = cli(*args, cwd=tmp_path)
    _no_traceback_russian(res)
    assert text in res.stderr and "usage" not in res.stderr and "invalid" not in res.stderr


def test_cli_out_is_a_file_or_under_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    _no_traceback_russian(cli("sun-dataset", "--out", tmp_path / "file", "--n-train", 1, "--n-test", 1, "--size", 128))
    _no_traceback_russian(
        cli("sun-dataset", "--out", tmp_path / "file" / "d", "--n-train", 1, "--n-test", 1, "--size", 128)
    )
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.parametrize("out", ["dir", "file/m.pt", "exists.pt"])
def test_cli_train_checks_out_before_training(small, tmp_path, out):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    (tmp_path / "exists.pt").write_text("старые веса")
    start = time.perf_counter()
    res = cli("train-sun", "--data", small, "--out", tmp_path / out, "--device", "cpu", "--epochs", 5000)
    _no_traceback_russian(res)
    assert "--out" in res.stderr and time.perf_counter() - start < 10  # 5000 эпох не начинались
    assert (tmp_path / "exists.pt").read_text() == "старые веса"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "exists.pt", "file"]


def test_cli_lecture_recipe_on_small_images(small):
    res = cli("train-sun", "--data", small, "--recipe", "lecture", "--device", "cpu")
    _no_traceback_russian(res)
    assert "256×256" in res.stderr


@pytest.mark.parametrize("damage", ["text", "empty", "dir", "fifo", "huge"])
def test_cli_train_on_broken_first_image(small, tmp_path, damage):
    root = _clone(small, tmp_path / "d")
    first = root / "train" / "sun_reg_1.png"
    first.unlink()
    if damage == "text":
        first.write_text("не картинка")
    elif damage == "empty":
        first.write_bytes(b"")
    elif damage == "dir":
        first.mkdir()
    elif damage == "fifo":
        os.mkfifo(first)
    else:
        first.write_bytes(_png(np.zeros((1, 20000), dtype=np.uint8), "L"))
    _no_traceback_russian(cli("train-sun", "--data", root, "--device", "cpu", timeout=60))


@pytest.mark.slow
def test_cli_ctrl_c_gives_130_and_leaves_nothing(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cnn_course",
            "sun-dataset",
            "--out",
            str(tmp_path / "big"),
            "--n-train",
            "3000",
            "--n-test",
            "10",
        ],
        env={**os.environ, "CNN_COURSE_MODE": "smoke"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline_at = time.monotonic() + 60
    while time.monotonic() < deadline_at and not any(p.name.startswith(".big") for p in tmp_path.iterdir()):
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("Прервано") and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
