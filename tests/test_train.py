"""Инструменты обучения: загрузчик, эпоха, оценка, fit, контрольные точки, остановка на NaN, рецепты."""

import math

import pytest
import torch
import torch.nn as nn

from cnn_course import trace_shapes
from cnn_course.__main__ import main as cli_main
from cnn_course.checkpoint import load_checkpoint, save_checkpoint
from cnn_course.models import SoftArgmax2d, reorder_relu_pool, sun_heatmap_net, sun_regressor
from cnn_course.settings import get_device
from cnn_course.sun import RECIPES, SunDataset, make_sun_dataset, sun_metrics, train_sun
from cnn_course.train import (
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


def _toy(n=64, seed=0):
    """Картинки 8×8 и цель — средняя яркость каналов: линейная задача, которую легко выучить."""
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, 8, 8), generator=gen, dtype=torch.uint8)
    targets = images.float().mean(dim=(2, 3)) / 255.0 * 10  # (n, 3)
    return images, targets


def _toy_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 3, 8), nn.Flatten())


def test_tensor_loader_batches_shuffles_and_normalises():
    images, targets = _toy(10)
    loader = TensorLoader(
        images, targets, batch_size=4, shuffle=True, seed=1, target_center=5, target_scale=5, shift=0.5
    )
    assert len(loader) == 3
    batches = list(loader)
    assert [len(x) for x, _ in batches] == [4, 4, 2]
    x, _ = batches[0]
    assert x.dtype == torch.float32 and x.shape == (4, 3, 8, 8) and -0.5 <= x.min() and x.max() <= 0.5
    seen = torch.cat([y for _, y in batches])
    torch.testing.assert_close(seen.sort(dim=0).values, ((targets - 5) / 5).sort(dim=0).values)
    again = TensorLoader(images, targets, batch_size=4, shuffle=True, seed=1)
    first = [y for _, y in again]
    second = [y for _, y in again]
    assert not all(torch.equal(a, b) for a, b in zip(first, second)), "каждая эпоха перемешивается заново"
    cl = next(iter(TensorLoader(images, targets, 4, channels_last=True)))[0]
    assert cl.is_contiguous(memory_format=torch.channels_last)
    with pytest.raises(TypeError, match="uint8"):
        TensorLoader(images.float(), targets)
    with pytest.raises(ValueError, match="targets"):
        TensorLoader(images, targets[:3])


def test_train_one_epoch_learns_and_reports_lecture_running_mean():
    images, targets = _toy(128)
    model = _toy_model()
    loader = TensorLoader(images, targets, 16, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    before = evaluate(model, TensorLoader(images, targets, 64))["loss"]
    for e in range(1, 6):
        stats = train_one_epoch(model, loader, nn.MSELoss(), opt, epoch=e, epochs=5, progress=False)
    after = evaluate(model, TensorLoader(images, targets, 64))["loss"]
    assert after < before / 10
    assert stats["images"] == 128 and stats["img_per_s"] > 0 and math.isfinite(stats["loss_mean"])


def test_running_mean_is_the_plain_mean():
    """Формула лекции 1/k·loss + (1 − 1/k)·mean — это обычное среднее потерь батчей."""
    losses = iter([4.0, 2.0, 6.0])

    class FixedLoss(nn.Module):
        def forward(self, p, y):
            return p.sum() * 0 + next(losses)

    images, targets = _toy(12)
    stats = train_one_epoch(
        _toy_model(),
        TensorLoader(images, targets, 4),
        FixedLoss(),
        torch.optim.SGD(_toy_model().parameters(), lr=0.0),
        progress=False,
    )
    assert stats["loss_mean"] == pytest.approx(4.0)
    assert stats["loss"] == pytest.approx(4.0)


def test_nan_loss_stops_with_russian_advice():
    images, targets = _toy(32)
    model = _toy_model()
    opt = torch.optim.SGD(model.parameters(), lr=1e30)
    with pytest.raises(TrainingDiverged, match="lr.*нормировать"):
        for _ in range(5):
            train_one_epoch(model, TensorLoader(images, targets * 1e20, 8), nn.MSELoss(), opt, progress=False)


def test_evaluate_reports_pixels():
    images, targets = _toy(20)
    model = _toy_model()
    ev = evaluate(model, TensorLoader(images, targets, 7), metrics=sun_metrics())
    with torch.no_grad():
        p = model(images.float() / 255)
    mse = ((p - targets) ** 2).mean().item()
    assert ev["mse_px"] == pytest.approx(mse, rel=1e-5)
    assert ev["rmse_px"] == pytest.approx(math.sqrt(mse), rel=1e-5)
    assert ev["loss"] == pytest.approx(mse, rel=1e-5) and ev["images"] == 20
    scaled = evaluate(model, TensorLoader(images, targets, 7), metrics=sun_metrics(128))
    assert scaled["mse_px"] == pytest.approx(mse * 128**2, rel=1e-5)


def test_fit_returns_history_and_checkpoints(tmp_path):
    images, targets = _toy(64)
    model = _toy_model()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    hist = fit(
        model,
        TensorLoader(images, targets, 16, shuffle=True),
        TensorLoader(images, targets, 64),
        epochs=3,
        optimizer=opt,
        scheduler="onecycle",
        metrics=sun_metrics(),
        progress=False,
        checkpoint=tmp_path / "ck.pt",
    )
    assert isinstance(hist, History)
    assert len(hist.train_loss) == len(hist.test_loss) == len(hist["rmse_px"]) == 3
    assert hist.test_loss[-1] < hist.test_loss[0]
    assert hist.train_seconds == pytest.approx(sum(hist.seconds))
    fresh = _toy_model(seed=5)
    meta = load_checkpoint(tmp_path / "ck.pt", fresh)
    assert meta["epoch"] == 3
    for a, b in zip(fresh.state_dict().values(), model.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_checkpoint_errors_are_clear(tmp_path):
    model = sun_regressor(seed=0)
    path = save_checkpoint(tmp_path / "sun.pt", model, recipe="lecture", history=[1.0, 2.0])
    assert not list(tmp_path.glob("*.tmp")), "запись атомарная: временный файл переименован"
    assert load_checkpoint(path, sun_regressor())["recipe"] == "lecture"
    with pytest.raises(ValueError, match="не подходят.*другие формы"):
        load_checkpoint(path, sun_heatmap_net())
    with pytest.raises(FileNotFoundError, match="не найден"):
        load_checkpoint(tmp_path / "none.pt", model)
    with pytest.raises(TypeError, match="meta"):
        save_checkpoint(tmp_path / "x.pt", model, optimizer=torch.optim.SGD(model.parameters(), lr=1))
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="не удалось прочитать"):
        load_checkpoint(tmp_path / "junk.pt", model)
    torch.save({"w": torch.nn.Linear(2, 2)}, tmp_path / "module.pt")  # не веса — weights_only откажет
    with pytest.raises(ValueError, match="безопасная загрузка"):
        load_checkpoint(tmp_path / "module.pt", model)


@pytest.mark.parametrize("seed", range(6))
def test_reorder_relu_pool_keeps_outputs_and_gradients(seed):
    model = sun_regressor(seed=seed).double()
    fast = reorder_relu_pool(model)
    assert [type(m).__name__ for m in fast][:3] == ["Conv2d", "MaxPool2d", "ReLU"]
    assert fast.state_dict().keys() == model.state_dict().keys()
    x = torch.randn(2, 3, 256, 256, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    out_a = model(x)
    grads_a = torch.autograd.grad(out_a.square().sum(), list(model.parameters()))
    out_b = fast(x)
    grads_b = torch.autograd.grad(out_b.square().sum(), list(fast.parameters()))
    torch.testing.assert_close(out_a, out_b)
    for a, b in zip(grads_a, grads_b):
        torch.testing.assert_close(a, b)
    with pytest.raises(TypeError, match="nn.Sequential"):
        reorder_relu_pool(nn.Linear(2, 2))


def test_sun_regressor_matches_the_lecture_comments():
    trace = trace_shapes(sun_regressor(), (2, 3, 256, 256))
    shapes = [row.output_shape for row in trace.rows]
    for expected in [(2, 32, 128, 128), (2, 8, 64, 64), (2, 4, 32, 32), (2, 4096), (2, 2)]:
        assert expected in shapes
    a, b = sun_regressor(seed=1), sun_regressor(seed=1)
    torch.testing.assert_close(a[0].weight, b[0].weight)
    state = torch.random.get_rng_state()
    sun_regressor(seed=2)
    assert torch.equal(state, torch.random.get_rng_state()), "зерно не трогает глобальный ГСЧ"


@pytest.mark.parametrize("h,w,size", [(8, 8, 256), (16, 12, 64), (5, 7, 35)])
def test_soft_argmax_finds_peaks_and_is_equivariant(h, w, size):
    layer = SoftArgmax2d(size)
    c = size / 2
    for i, j in [(0, 0), (h - 1, w - 1), (h // 2, w // 3)]:
        heat = torch.full((1, 1, h, w), -1e4, dtype=torch.float64)
        heat[0, 0, i, j] = 0
        x, y = (layer(heat)[0] * c + c).tolist()
        assert x == pytest.approx((j + 0.5) * size / w - 0.5)
        assert y == pytest.approx((i + 0.5) * size / h - 0.5)
    heat = torch.randn(3, 1, h, w, dtype=torch.float64)
    shifted = torch.cat([torch.full((3, 1, h, 1), -1e4, dtype=torch.float64), heat[..., :-1]], dim=3)
    heat[..., -1] = -1e4
    delta = (layer(shifted) - layer(heat)) * c
    torch.testing.assert_close(delta[:, 0], torch.full((3,), size / w, dtype=torch.float64))
    with pytest.raises(ValueError, match="N, 1, h, w"):
        layer(torch.zeros(1, 2, 4, 4))


def test_heatmap_net_shapes():
    trace = trace_shapes(sun_heatmap_net(width=4), (2, 3, 64, 64))
    assert trace.rows[-1].output_shape == (2, 2)
    assert (2, 1, 32, 32) in [row.output_shape for row in trace.rows]


def test_get_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda") and get_device("cuda") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert get_device(None) == torch.device("mps")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert get_device() == torch.device("cpu") == get_device(torch.device("cpu"))
    with pytest.raises(ValueError, match="CUDA недоступна"):
        get_device("cuda")
    with pytest.raises(ValueError, match="device"):
        get_device("tpu")


def test_helpers_take_the_device_from_the_model_not_from_cuda(monkeypatch):
    """На машине с CUDA урок 4 падал: evaluate переносил батч на CUDA, а модель была на CPU."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # «видеокарта есть», модель — на CPU
    images, targets = _toy(20)
    model = _toy_model()
    loader = TensorLoader(images, targets, 7)
    assert model_device(model) == torch.device("cpu")
    ev = evaluate(model, loader, metrics=sun_metrics())
    out = predict(model, images, batch_size=6, prepare=lambda x: x.float() / 255)
    assert out.shape == (20, 3) and out.device.type == "cpu"
    torch.testing.assert_close(out, model(images.float() / 255).detach())
    assert ev["mse_px"] == pytest.approx(((out - targets) ** 2).mean().item(), rel=1e-5)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    train_one_epoch(model, loader, nn.MSELoss(), opt, progress=False)
    hist = fit(model, loader, loader, epochs=1, optimizer=opt, progress=False)  # device=None: модель не двигается
    assert model_device(model).type == "cpu" and len(hist.test_loss) == 1
    assert model_device(nn.ReLU()) == torch.device("cpu")


def test_predict_goes_in_batches_and_keeps_the_mode():
    calls = []

    class Spy(nn.Module):
        def forward(self, x):
            calls.append(len(x))
            return x.flatten(1)[:, :2]

    model = Spy().train()
    out = predict(model, torch.arange(40, dtype=torch.float32).reshape(10, 2, 2, 1), batch_size=4)
    assert calls == [4, 4, 2] and out.shape == (10, 2) and model.training
    loader = [(torch.ones(3, 2), None), (torch.zeros(1, 2), None)]
    assert predict(model, loader).shape == (4, 2)
    with pytest.raises(ValueError, match="пусто"):
        predict(model, torch.empty(0, 2))
    with pytest.raises(TypeError, match="model"):
        predict("модель", torch.ones(1, 2))


def test_fit_trains_a_classifier_with_accuracy():
    """Тренер не знает задачи: тот же fit учит классификатор «день/ночь» с CrossEntropy и точностью."""
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (96,), generator=gen)
    base = torch.where(labels[:, None, None, None] == 1, 200, 40)  # светлые «дни» и тёмные «ночи»
    noise = torch.randint(-30, 31, (96, 3, 8, 8), generator=gen)
    images = (base + noise).clamp(0, 255).to(torch.uint8)
    train = TensorLoader(images[:64], labels[:64, None].float(), 16, shuffle=True)
    test = TensorLoader(images[64:], labels[64:, None].float(), 32)

    def as_classes(loader):
        return [(x, y[:, 0].long()) for x, y in loader]

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    hist = fit(
        model,
        as_classes(train),
        as_classes(test),
        epochs=8,
        loss_fn=nn.CrossEntropyLoss(),
        optimizer=torch.optim.Adam(model.parameters(), lr=0.05),
        metrics={"accuracy": accuracy},
        progress=False,
    )
    assert hist["accuracy"][-1] == 1.0 and hist["accuracy"] == hist.test_metrics["accuracy"]
    assert hist.test_loss[-1] < hist.test_loss[0] and hist.epochs == 8
    with pytest.raises(KeyError, match="rmse_px"):
        hist["rmse_px"]


def test_fit_rejects_bad_arguments():
    images, targets = _toy(8)
    loader = TensorLoader(images, targets, 4)
    with pytest.raises(ValueError, match="scheduler"):
        fit(_toy_model(), loader, epochs=1, scheduler="cosine", progress=False)
    with pytest.raises(TypeError, match="model"):
        fit(None, loader, epochs=1, progress=False)
    with pytest.raises(TypeError, match="metrics"):
        fit(_toy_model(), loader, loader, epochs=1, metrics=["rmse"], progress=False)
    with pytest.raises(ValueError, match="занято"):
        evaluate(_toy_model(), loader, metrics={"loss": accuracy})
    with pytest.raises(ValueError, match="пуст"):
        fit(
            _toy_model(),
            [],
            epochs=1,
            scheduler="onecycle",
            optimizer=torch.optim.SGD(_toy_model().parameters(), lr=0.1),
            progress=False,
        )


@pytest.fixture(scope="module")
def small_sun(tmp_path_factory):
    root = tmp_path_factory.mktemp("sun-train")
    make_sun_dataset(root, n_train=320, n_test=64, seed=7, progress=False)
    return root


@pytest.mark.slow
def test_fast_recipe_learns_on_a_small_dataset(small_sun, tmp_path):
    result = train_sun(small_sun, "fast", epochs=10, progress=False, out=tmp_path / "fast.pt")
    assert result.test["rmse_px"] < 3, result.test  # случайное угадывание даёт ≈ 55 пикс
    assert result.history["rmse_px"][-1] < result.history["rmse_px"][0]
    test = SunDataset(small_sun, train=False, preload=True)
    pred = result.predict_px(test.images)
    err = ((pred - test.targets_tensor()) ** 2).mean().item()
    assert err == pytest.approx(result.test["mse_px"], rel=1e-5)  # одно уменьшение (Image.BOX) для обучения и ответа
    meta = load_checkpoint(tmp_path / "fast.pt", sun_heatmap_net(width=RECIPES["fast"].width))
    assert meta["recipe"] == "fast"


@pytest.mark.slow
def test_lecture_recipe_runs_through_the_toolkit(small_sun):
    result = train_sun(small_sun, "lecture", epochs=1, progress=False)
    assert math.isfinite(result.test["mse_px"]) and result.history.img_per_s[0] > 0
    with pytest.raises(ValueError, match="recipe"):
        train_sun(small_sun, "slow")


def test_cli_train_sun(small_sun, tmp_path, capsys):
    assert (
        cli_main(
            ["train-sun", "--data", str(small_sun), "--epochs", "1", "--out", str(tmp_path / "m.pt"), "--device", "cpu"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "RMSE" in out and (tmp_path / "m.pt").is_file()
    assert cli_main(["train-sun", "--data", str(tmp_path / "missing")]) == 2
    assert "Папка набора данных не найдена" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["train-sun", "--data", str(small_sun), "--recipe", "slow"])
    assert exit_info.value.code == 2


def test_sun_loaders_normalise_targets_and_inputs(small_sun):
    from cnn_course.sun import sun_loaders

    train, test, side = sun_loaders(small_sun, 64)
    assert side == 256 and len(train.images) == 320 and train.images.shape[1:] == (3, 64, 64)
    x, y = next(iter(test))
    assert x.shape == (64, 3, 64, 64) and -0.5 <= x.min() and x.max() <= 0.5
    raw = SunDataset(small_sun, train=False).targets_tensor()
    torch.testing.assert_close(y, (raw - 128) / 128)
    plain, _, _ = sun_loaders(small_sun, normalize_targets=False, center_inputs=False)
    x, y = next(iter(plain))
    assert x.shape[1:] == (3, 256, 256) and x.min() >= 0 and y.min() >= 32


def test_failed_save_leaves_no_temporary_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    save_checkpoint(path, _toy_model(), epoch=1)
    before = path.read_bytes()

    def broken_save(obj, f, *args, **kwargs):
        open(f, "wb").write(b"half")
        raise KeyboardInterrupt  # Ctrl-C посреди записи

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, _toy_model(seed=3), epoch=2)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_save_checkpoint_refuses_bad_paths(tmp_path):
    with pytest.raises(ValueError, match="папка"):
        save_checkpoint(tmp_path, _toy_model())
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="файл, а не папка"):
        save_checkpoint(tmp_path / "file" / "model.pt", _toy_model())
    with pytest.raises(ValueError, match="пуст"):
        save_checkpoint("", _toy_model())
    with pytest.raises(TypeError, match="model"):
        save_checkpoint(tmp_path / "m.pt", None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_unsafe_checkpoint_is_refused_without_advice_to_disable_safety(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("код из файла выполнился",))

    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "meta": Evil()}, path)
    with pytest.raises(ValueError) as err:
        load_checkpoint(path, _toy_model())
    text = str(err.value)
    assert "безопасная загрузка" in text and "weights_only=False" not in text and "Re-running" not in text
    (tmp_path / "junk.pt").write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="повреждён"):
        load_checkpoint(tmp_path / "junk.pt", _toy_model())


@pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")  # L1Loss предупреждает и падает — это и проверяем
def test_shape_mistakes_in_training_are_explained():
    images, targets = _toy(8)
    loader = TensorLoader(images, targets, 4)
    wrong_channels = nn.Sequential(nn.Conv2d(1, 3, 8), nn.Flatten())
    opt = torch.optim.SGD(wrong_channels.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="Модель не приняла батч формы \\(4, 3, 8, 8\\)"):
        train_one_epoch(wrong_channels, loader, nn.MSELoss(), opt, progress=False)
    two_outputs = nn.Sequential(nn.Conv2d(3, 2, 8), nn.Flatten())
    with pytest.raises(ValueError, match="Ответ модели формы \\(4, 2\\) и цели формы \\(4, 3\\)"):
        train_one_epoch(
            two_outputs, loader, nn.L1Loss(), torch.optim.SGD(two_outputs.parameters(), lr=0.1), progress=False
        )


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"seed": 10**20}, ValueError),
        ({"target_scale": "2"}, TypeError),
        ({"shift": "a"}, TypeError),
        ({"target_scale": float("nan")}, ValueError),
        ({"target_scale": 0}, ValueError),
        ({"seed": -1}, ValueError),
    ],
)
def test_tensor_loader_checks_its_arguments(kwargs, error):
    images, targets = _toy(4)
    with pytest.raises(error, match="[а-я]"):
        TensorLoader(images, targets, 2, **kwargs)
