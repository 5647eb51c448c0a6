"""Набор с солнцем: формат лекции, детерминизм, правильность меток, SunDataset и его ошибки."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.transforms.v2 as tfs
from PIL import Image

from cnn_course.checkpoint import load_checkpoint
from cnn_course.images import load_image_tensor
from cnn_course.models import sun_regressor
from cnn_course.sun import SunDataset, make_sun_dataset, read_labels
from cnn_course.sun.draw import SPRITE_SIZE, SunStyle, draw_sun_image, sun_sprite

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sun_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("sun")
    make_sun_dataset(root, n_train=40, n_test=12, seed=3, progress=False)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_matches_lecture(sun_root):
    for split, n in (("train", 40), ("test", 12)):
        table = json.loads((sun_root / split / "format.json").read_text())
        assert list(table) == [f"sun_reg_{i}.png" for i in range(1, n + 1)]
        for name, (x, y) in table.items():
            assert isinstance(x, int) and isinstance(y, int)
            assert 32 <= x <= 224 and 32 <= y <= 224
            with Image.open(sun_root / split / name) as img:
                assert img.size == (256, 256) and img.mode == "RGB"


def test_same_seed_gives_identical_bytes_regardless_of_workers(tmp_path, sun_root):
    make_sun_dataset(tmp_path / "again", n_train=40, n_test=12, seed=3, progress=False, workers=2)
    assert _files(tmp_path / "again") == _files(sun_root)


def test_different_seed_gives_different_dataset(tmp_path, sun_root):
    make_sun_dataset(tmp_path / "other", n_train=40, n_test=12, seed=4, progress=False)
    other = json.loads((tmp_path / "other" / "train" / "format.json").read_text())
    same = json.loads((sun_root / "train" / "format.json").read_text())
    assert other != same
    assert (tmp_path / "other" / "train" / "sun_reg_1.png").read_bytes() != (
        sun_root / "train" / "sun_reg_1.png"
    ).read_bytes()


def test_sprite_is_centred_exactly():
    for rotation in range(8):
        a = np.asarray(sun_sprite(1.0, rotation)).astype(np.float64)[..., 3]
        yy, xx = np.mgrid[:SPRITE_SIZE, :SPRITE_SIZE]
        assert abs((a * xx).sum() / a.sum() - 32) < 0.05
        assert abs((a * yy).sum() / a.sum() - 32) < 0.05


@pytest.mark.parametrize("seed", range(25))
def test_label_is_the_centre_of_the_yellow_sun(seed):
    img, (x, y) = draw_sun_image(np.random.default_rng(seed))
    arr = np.asarray(img).astype(int)
    # диск солнца: жёлтый (R, G высокие, B низкий) — ни фон, ни облака, ни точки такими не бывают
    mask = (arr[..., 0] > 230) & (arr[..., 1] > 200) & (arr[..., 2] < 120)
    rows, cols = np.nonzero(mask)
    assert len(rows) > 300, "диск солнца не найден"
    assert abs(cols.mean() - x) < 1.0 and abs(rows.mean() - y) < 1.0  # x — столбец, y — строка


def test_harder_variants_are_opt_in():
    assert SunStyle() == SunStyle(size=256, sun_scale=(1.0, 1.0), occlusion=0.0)
    img, _ = draw_sun_image(np.random.default_rng(0), SunStyle(sun_scale=(0.5, 0.9), occlusion=1.0))
    assert img.size == (256, 256)
    with pytest.raises(ValueError, match="sun_scale"):
        SunStyle(sun_scale=(0.9, 0.5))
    with pytest.raises(ValueError, match="occlusion"):
        SunStyle(occlusion=2.0)


def test_sun_dataset_behaves_like_the_lecture(sun_root):
    transforms = tfs.Compose([tfs.ToImage(), tfs.ToDtype(torch.float32, scale=True)])
    ds = SunDataset(sun_root, transform=transforms)
    assert len(ds) == 40 and ds.length == 40
    img, target = ds[0]
    assert img.shape == (3, 256, 256) and img.dtype == torch.float32 and 0 <= img.min() and img.max() <= 1
    assert target.dtype == torch.float32 and target.tolist() == list(ds.targets[0])
    raw, _ = SunDataset(sun_root, train=False)[0]
    assert isinstance(raw, Image.Image)
    assert len(SunDataset(sun_root, train=False)) == 12


def test_preload_equals_reading_files(sun_root):
    transforms = tfs.Compose([tfs.ToImage(), tfs.ToDtype(torch.float32, scale=True)])
    plain = SunDataset(sun_root, train=False, transform=transforms)
    pre = SunDataset(sun_root, train=False, transform=transforms, preload=True)
    assert pre.images.shape == (12, 3, 256, 256) and pre.images.dtype == torch.uint8
    for i in range(12):
        torch.testing.assert_close(pre[i][0], plain[i][0])
        torch.testing.assert_close(pre[i][1], plain[i][1])
    small = SunDataset(sun_root, train=False, preload=True, size=64)
    assert small.images.shape == (12, 3, 64, 64)
    expected = torch.from_numpy(np.array(Image.open(sun_root / "test" / "sun_reg_1.png").resize((64, 64), Image.BOX)))
    torch.testing.assert_close(small.images[0], expected.permute(2, 0, 1))
    assert small.targets_tensor().shape == (12, 2)


def _copy(src: Path, dst: Path) -> Path:
    for p in src.rglob("*"):
        if p.is_file():
            target = dst / p.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(p.read_bytes())
    return dst


def test_clear_errors_for_broken_datasets(tmp_path, sun_root):
    with pytest.raises(FileNotFoundError, match="Папка набора данных не найдена"):
        SunDataset(tmp_path / "nothing")
    (tmp_path / "empty" / "train").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="нет файла format.json"):
        SunDataset(tmp_path / "empty")
    bad = _copy(sun_root, tmp_path / "bad")
    (bad / "train" / "format.json").write_text("{не json")
    with pytest.raises(ValueError, match="некорректный JSON"):
        SunDataset(bad)
    (bad / "train" / "format.json").write_text(json.dumps({"sun_reg_1.png": [1, "два"]}))
    with pytest.raises(ValueError, match="sun_reg_1.png.*двумя числами"):
        SunDataset(bad)
    (bad / "train" / "format.json").write_text(json.dumps({"sun_reg_1.png": [1, 2], "missing.png": [3, 4]}))
    ds = SunDataset(bad)
    with pytest.raises(FileNotFoundError, match="missing.png"):
        ds[1]
    with pytest.raises(FileNotFoundError, match="missing.png"):
        SunDataset(bad, preload=True)
    (bad / "train" / "sun_reg_1.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="sun_reg_1.png.*повреждена"):
        ds[0]
    with pytest.raises(ValueError, match="повреждена"):
        load_image_tensor(bad / "train" / "sun_reg_1.png")
    with pytest.raises(ValueError, match="preload"):
        SunDataset(sun_root, size=64)
    with pytest.raises(ValueError, match="n_train"):
        make_sun_dataset(tmp_path / "x", n_train=0)
    assert read_labels(sun_root / "test")["sun_reg_1.png"]


@pytest.mark.slow
def test_lecture_code_runs_unchanged(tmp_path):
    """Код лекции (класс SunDataset, модель, цикл обучения, тест) — без единой правки."""
    make_sun_dataset(tmp_path / "dataset_reg", n_train=32, n_test=10, seed=1, progress=False)
    code = ROOT / "tests" / "fixtures" / "lecture_sun_code.py"
    assert "for _e in range(epochs):" in code.read_text()
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace = runpy.run_path(str(code), run_name="lecture")
    finally:
        os.chdir(old)
    assert len(namespace["d_train"]) == 32
    assert np.isfinite(namespace["Q"]) and namespace["Q"] > 0
    meta = load_checkpoint(tmp_path / "model_sun.tar", sun_regressor())  # веса лекции подходят к нашей модели
    assert meta == {}


@pytest.mark.slow
def test_cli_generates_the_dataset(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cnn_course",
            "sun-dataset",
            "--out",
            str(tmp_path / "d"),
            "--n-train",
            "5",
            "--n-test",
            "3",
            "--seed",
            "2",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert len(json.loads((tmp_path / "d" / "train" / "format.json").read_text())) == 5
    bad = subprocess.run([sys.executable, "-m", "cnn_course", "sun-dataset"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Ошибка в аргументах" in bad.stderr and "Traceback" not in bad.stderr


def test_preload_is_refused_before_allocation_when_memory_is_short(sun_root, monkeypatch):
    """Предзагрузка, которой не хватит памяти, отказывает по-русски до выделения тензора (N, 3, H, W)."""
    import cnn_course._validate as V

    allocated = []
    real_empty = torch.empty
    monkeypatch.setattr(torch, "empty", lambda *a, **k: allocated.append(a) or real_empty(*a, **k))
    monkeypatch.setattr(V, "available_memory", lambda: 1_000_000)  # 1 МБ: на 40 картинок 256×256 не хватит
    with pytest.raises(MemoryError, match=r"preload: 40 картинок 256×256: нужно .* ГиБ памяти, а свободно"):
        SunDataset(sun_root, preload=True)
    assert not allocated, "тензор успели выделить до отказа"
    monkeypatch.setattr(V, "available_memory", lambda: 10**12)
    assert SunDataset(sun_root, preload=True, size=32).images.shape == (40, 3, 32, 32)
    monkeypatch.undo()
    free = V.available_memory()
    assert free is None or free > 0
