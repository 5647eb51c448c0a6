"""VGG: конфигурации против torchvision, загрузка весов с сетью и без, классификация, виджет."""

import datetime
import hashlib
import io
import urllib.error

import pytest
import torch
import torch.nn as nn
import torchvision
import torchvision.transforms.v2 as tfs
from PIL import Image

import cnn_course as cc
from cnn_course import pretrained
from cnn_course.models import VGG_CFGS, make_vgg, vgg_blocks
from cnn_course.pretrained import classification_html, classify_image, load_pretrained_vgg, weights_for, weights_path
from cnn_course.widgets import image_classifier


def _shapes(model):
    return [(k, tuple(v.shape)) for k, v in model.state_dict().items()]


@pytest.mark.parametrize(
    "name,params", [("vgg11", 132863336), ("vgg13", 133047848), ("vgg16", 138357544), ("vgg19", 143667240)]
)
@pytest.mark.parametrize("batch_norm", [False, True])
def test_make_vgg_equals_torchvision(name, params, batch_norm):
    with torch.device("meta"):
        ours = make_vgg(name, batch_norm=batch_norm)
        theirs = getattr(torchvision.models, name + ("_bn" if batch_norm else ""))()
    assert _shapes(ours) == _shapes(theirs)
    assert [type(m) for m in ours.modules()][1:] == [type(m) for m in theirs.modules()][1:]
    n = cc.count_parameters(ours)
    assert n == cc.count_parameters(theirs)
    if not batch_norm:
        assert n == params
    out = ours(torch.empty(2, 3, 224, 224, device="meta"))
    assert out.shape == (2, 1000)


def test_vgg16_and_vgg19_parameter_counts():
    with torch.device("meta"):
        assert cc.count_parameters(make_vgg("vgg16")) == 138_357_544
        assert cc.count_parameters(make_vgg("vgg19")) == 143_667_240


@pytest.mark.parametrize(
    "cfg,size", [("vgg-mini-64", 64), ("vgg-mini-128", 128), ("vgg-mini-64", 97), ([8, "M", 16], 20)]
)
def test_small_vggs_accept_any_input_size(cfg, size):
    model = make_vgg(cfg, num_outputs=2, pool_size=1, hidden=32, batch_norm=True, seed=0)
    out = model(torch.randn(3, 3, size, size))
    assert out.shape == (3, 2)
    again = make_vgg(cfg, num_outputs=2, pool_size=1, hidden=32, batch_norm=True, seed=0)
    torch.testing.assert_close(model.features[0].weight, again.features[0].weight)


def test_vgg_blocks_split_at_pooling():
    with torch.device("meta"):
        blocks = vgg_blocks(make_vgg("vgg16"))
        x = torch.empty(1, 3, 224, 224, device="meta")
        shapes = []
        for block in blocks:
            x = block(x)
            shapes.append(tuple(x.shape))
    assert len(blocks) == 5 and all(isinstance(b[-1], nn.MaxPool2d) for b in blocks)
    assert shapes == [(1, 64, 112, 112), (1, 128, 56, 56), (1, 256, 28, 28), (1, 512, 14, 14), (1, 512, 7, 7)]
    assert cc.check("vgg.block3_shape", shapes[2]).ok
    with pytest.raises(TypeError, match="features"):
        vgg_blocks(nn.Linear(2, 2))


def test_make_vgg_rejects_bad_configs():
    with pytest.raises(ValueError, match="vgg16"):
        make_vgg("vgg17")
    with pytest.raises(TypeError, match="cfg"):
        make_vgg([])
    with pytest.raises(TypeError, match="целое"):
        make_vgg([8, "X"])
    with pytest.raises(ValueError, match="dropout"):
        make_vgg([8, "M"], dropout=1.5)
    assert set(VGG_CFGS) >= {"vgg11", "vgg13", "vgg16", "vgg19"}


def test_vgg_exercise_answers_come_from_torch():
    conv = nn.Conv2d(256, 512, 3, padding=1)
    assert cc.check("vgg.conv_params", cc.count_parameters(conv)).ok
    three = sum(nn.Conv2d(64, 64, 3, bias=False).weight.numel() for _ in range(3))
    one = nn.Conv2d(64, 64, 7, bias=False).weight.numel()
    assert cc.check("vgg.stack_vs_big", (three, one)).ok
    assert cc.receptive_field(nn.Sequential(*[nn.Conv2d(1, 1, 3) for _ in range(3)])).size == 7


def _tiny_state_file(path, name="vgg11", value=0.01):
    """Маленький файл весов: каждый тензор — расширенный (expand) скаляр, хранится одно число."""
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in getattr(torchvision.models, name)().state_dict().items()}
    state = {k: torch.full((1,) * len(s), value).expand(s) for k, s in shapes.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path


def _no_network(*args, **kwargs):
    raise urllib.error.URLError("сеть отключена в тесте")


def test_pretrained_weights_from_the_torch_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(pretrained.urllib.request, "urlopen", _no_network)
    path = weights_path("vgg11")
    assert path == tmp_path / "hub" / "checkpoints" / "vgg11-8a719046.pth"
    _tiny_state_file(path)
    assert path.stat().st_size < 200_000
    # файл с чужим содержимым по пути кэша: SHA-256 не совпадает с префиксом 8a719046 — не «ImageNet»
    fake = load_pretrained_vgg("vgg11")
    assert not fake.pretrained and "SHA-256" in fake.message and "повреждён" in fake.message
    capsys.readouterr()
    # тот же маленький файл под именем с его настоящим префиксом SHA-256 принимается
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    good = path.with_name(f"vgg11-{digest}.pth")
    path.rename(good)
    monkeypatch.setattr(pretrained, "weights_path", lambda name: good)
    loaded = load_pretrained_vgg("vgg11")
    assert loaded.pretrained and not loaded.model.training
    assert torch.all(loaded.model.features[0].weight == 0.01)
    assert "Загружены веса ImageNet" in capsys.readouterr().out
    assert loaded.weights is torchvision.models.VGG11_Weights.DEFAULT


def test_offline_without_file_gives_random_weights_and_says_so_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(pretrained.urllib.request, "urlopen", _no_network)
    loaded = load_pretrained_vgg("vgg11", timeout=1)
    out = capsys.readouterr().out
    assert not loaded.pretrained and out.count("СЛУЧАЙНЫМИ") == 1
    assert "vgg11-8a719046.pth" in out and str(tmp_path) in out and "скачать не удалось" in out
    assert cc.count_parameters(loaded.model) == 132863336

    def must_not_be_called(*a, **k):
        raise AssertionError("download=False не должен ходить в сеть")

    monkeypatch.setattr(pretrained.urllib.request, "urlopen", must_not_be_called)
    assert not load_pretrained_vgg("vgg11", download=False, verbose=False).pretrained


@pytest.mark.slow
def test_broken_download_and_broken_file_fall_back(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    seen = {}

    def fake_urlopen(url, timeout):
        seen["timeout"] = timeout
        return io.BytesIO(b"not the real weights")

    monkeypatch.setattr(pretrained.urllib.request, "urlopen", fake_urlopen)
    loaded = load_pretrained_vgg("vgg11", timeout=7, verbose=False)
    assert seen["timeout"] == 7, "у загрузки всегда есть тайм-аут"
    assert not loaded.pretrained and "контрольная сумма" in loaded.message
    assert not any(tmp_path.rglob("*.pth*")), "недокачанный файл удалён"
    weights_path("vgg11").parent.mkdir(parents=True, exist_ok=True)
    weights_path("vgg11").write_bytes(b"garbage")
    loaded = load_pretrained_vgg("vgg11", download=False, verbose=False)
    assert not loaded.pretrained and "SHA-256" in loaded.message  # мусор по пути кэша не выдаётся за веса
    partial = _tiny_state_file(tmp_path / "w.pth", value=0.5)
    state = torch.load(partial, weights_only=True)
    state["classifier.6.weight"] = torch.zeros(1).expand(10, 4096)  # последний слой чужой формы
    torch.save(state, partial)
    named = partial.with_name(f"vgg11-{hashlib.sha256(partial.read_bytes()).hexdigest()[:8]}.pth")
    partial.rename(named)  # сумма сходится — ошибка найдётся при загрузке весов
    monkeypatch.setattr(pretrained, "weights_path", lambda name: named)
    loaded = load_pretrained_vgg("vgg11", download=False, verbose=False)
    assert not loaded.pretrained and "не читается" in loaded.message
    assert not torch.any(loaded.model.features[0].weight == 0.5), "веса не должны остаться загруженными наполовину"
    with pytest.raises(ValueError, match="name"):
        weights_for("resnet50")


class _FixedLogits(nn.Module):
    """«Модель», которая всегда отвечает одними и теми же логитами (N, 1000)."""

    def __init__(self):
        super().__init__()
        self.logits = nn.Parameter(torch.linspace(-5, 5, 1000))

    def forward(self, x):
        assert x.shape[1:] == (3, 224, 224)
        return self.logits.expand(len(x), 1000)


def test_classify_image_returns_sorted_named_probabilities():
    weights = torchvision.models.VGG16_Weights.DEFAULT
    photo = cc.load_photo(None)
    results = classify_image(_FixedLogits(), photo, weights, topk=5)
    names = weights.meta["categories"]
    assert [n for n, _ in results] == [names[i] for i in range(999, 994, -1)]
    probs = [p for _, p in results]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) < 1
    assert probs[0] == pytest.approx(torch.softmax(torch.linspace(-5, 5, 1000), 0)[-1].item())
    pil = Image.fromarray((photo.permute(1, 2, 0) * 255).byte().numpy())
    assert [n for n, _ in classify_image(_FixedLogits(), pil, weights, topk=2)] == [names[999], names[998]]
    with pytest.raises(TypeError, match="VGG16_Weights"):
        classify_image(_FixedLogits(), photo, {"categories": names})
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        classify_image(_FixedLogits(), photo[0], weights)
    assert "случайные" in classification_html(results, pretrained=False)


def test_official_transforms_equal_the_v2_pipeline():
    weights = torchvision.models.VGG16_Weights.DEFAULT
    pil = Image.fromarray((cc.load_photo(None).permute(1, 2, 0) * 255).byte().numpy())
    manual = tfs.Compose(
        [
            tfs.Resize(256),
            tfs.CenterCrop(224),
            tfs.ToImage(),
            tfs.ToDtype(torch.float32, scale=True),
            tfs.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
        ]
    )
    torch.testing.assert_close(manual(pil), weights.transforms()(pil))


def test_image_classifier_widget_reacts_to_upload_and_slider():
    weights = torchvision.models.VGG16_Weights.DEFAULT
    widget = image_classifier(_FixedLogits(), weights, pretrained=False)
    assert len(widget.data["results"]) == 5 and "случайные" in widget.views["table"].value
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(buf, "PNG")
    stamp = datetime.datetime(2026, 1, 1)
    widget.controls["upload"].value = (
        {
            "name": "red.png",
            "type": "image/png",
            "size": buf.tell(),
            "content": memoryview(buf.getvalue()),
            "last_modified": stamp,
        },
    )
    assert "red.png" in widget.views["table"].value
    widget.controls["topk"].value = 3
    assert len(widget.data["results"]) == 3 and widget.views["table"].value.count("<tr>") == 4
    widget.controls["upload"].value = (
        {"name": "bad.png", "type": "image/png", "size": 3, "content": memoryview(b"abc"), "last_modified": stamp},
    )
    assert "Не получилось" in widget.views["table"].value
