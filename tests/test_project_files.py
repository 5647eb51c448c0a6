"""Файлы проекта: зависимости pip и conda совпадают, уроки чистые, README и CI согласованы."""

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import cnn_course

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONDA_NAMES = {"pytorch": "torch"}  # имя пакета в conda-forge → имя в PyPI


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pip_deps(dev: bool = True) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + (project["optional-dependencies"]["dev"] if dev else [])
    return dict(_split(r) for r in reqs)


def _conda_deps() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = {}
    for item in env["dependencies"]:
        if isinstance(item, str):
            name, spec = _split(item)
            if name not in ("python", "pip"):
                deps[CONDA_NAMES.get(name, name)] = spec
    return deps


def test_pip_and_conda_dependencies_agree():
    """environment.yml — зависимости уроков (без инструментов разработчика), как у make lab."""
    pip, conda = _pip_deps(dev=False), _conda_deps()
    assert set(pip) == set(conda), (
        f"только в pyproject.toml: {sorted(set(pip) - set(conda))}, "
        f"только в environment.yml: {sorted(set(conda) - set(pip))}"
    )
    for name in pip:
        assert pip[name] == conda[name], f"{name}: pyproject {pip[name]!r}, environment.yml {conda[name]!r}"


def test_ranges_not_pins():
    for name, spec in _pip_deps().items():
        assert "==" not in spec and spec, f"{name}: нужен диапазон версий, а не {spec!r}"


def test_environment_header():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["name"] == "cnn-course"
    assert env["channels"] == ["conda-forge", "nodefaults"]
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_section == [{"pip": ["-e ."]}]
    assert any(isinstance(d, str) and d.startswith("python") and "3.11" in d for d in env["dependencies"])


def test_readme_two_commands_and_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make lab" in readme and "make test" in readme
    assert "conda env create -f environment.yml" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M), ".ci/run должен вызывать ту же команду, что в README"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_one_python_range_everywhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11,<3.14"  # tomllib в тестах — с 3.11
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python>=3.11,<3.14" in env["dependencies"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`3.11`–`3.13`" in readme
    assert "version" in project.get("dynamic", []) and "version" not in project, "версия записывается один раз"


def test_readme_lists_every_lesson():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert NOTEBOOKS, "нет ни одного урока"
    for nb in NOTEBOOKS:
        assert nb.name in readme, f"урок {nb.name} не упомянут в таблице уроков README"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name}: ячейка {i} сохранена с выводом"
            assert cell.get("execution_count") is None, f"{path.name}: ячейка {i} с номером запуска"
    text = path.read_text(encoding="utf-8")
    for marker in ("/home/", "/root/", "/Users/", "C:\\\\", ".cuda()"):
        assert marker not in text, f"{path.name}: найдено {marker!r} (пути машины или жёсткий CUDA)"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    # nbformat 4.5 с постоянными id ячеек: сохранение в JupyterLab 4 не переписывает каждую ячейку
    assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5), f"{path.name}: нужен nbformat 4.5"
    ids = [cell.get("id") for cell in nb["cells"]]
    assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: у ячеек нет id или они повторяются"
    assert path.read_text(encoding="utf-8") == json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n", (
        f"{path.name}: файл записан не так, как его пишет JupyterLab; выполните make strip"
    )


# код лекции, который урок показывает дословно под именем лекции (а потом сверяет с версией пакета)
LECTURE_CODE = {"04_sun_regression.ipynb": {"SunDataset"}}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_package_and_checks_facts(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "cnn_course" in code, f"{path.name}: урок должен пользоваться пакетом cnn_course"
    assert code.count("assert ") >= 3, f"{path.name}: урок должен проверять assert'ами то, чему учит"
    # учебный код (цикл свёртки) урок пишет сам; копия помощника пакета — под его именем
    defined = set(re.findall(r"^\s*(?:def|class) (\w+)", code, re.M))
    copied = defined & set(cnn_course.__all__) - LECTURE_CODE.get(path.name, set())
    assert not copied, f"{path.name}: помощники {sorted(copied)} живут в cnn_course, а не копируются в урок"
    # демонстрация ошибки — только через cc.expect_error: try/except с print прошёл бы и без ошибки
    assert not re.search(r"^\s*(try:|except\b)", code, re.M), f"{path.name}: try/except вместо cc.expect_error"


def test_module_conventions():
    for path in sorted((ROOT / "cnn_course").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith('"""'), f"{path.name}: нет строки документации модуля"
        if not path.name.startswith("_"):
            assert "__all__" in text, f"{path.name}: нет __all__"
        # 650 строк после ruff format (он пишет длинные списки и сигнатуры по строке на элемент)
        assert len(text.splitlines()) <= 650, f"{path.name}: модуль длиннее 650 строк — разделите его"
        for bad in ("manual_seed(", "rcParams", "plt.style"):
            if bad == "manual_seed(":
                assert not re.search(r"^torch\.manual_seed\(", text, re.M), f"{path.name}: зерно при импорте"
            else:
                assert bad not in text, f"{path.name}: {bad} меняет глобальное состояние"


def _make(*args: str) -> str:
    done = subprocess.run(["make", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_lab_installs_the_runtime_only_and_test_adds_dev(tmp_path):
    """Сухой прогон (make -n) в пустом окружении: ученику — без pytest и sphinx, проверкам — с ними."""
    venv = f"VENV={tmp_path / '.venv'}"
    lab, test = _make("-n", "lab", venv), _make("-n", "test", venv)
    pinned = "pip install --quiet -c constraints.txt"
    assert f"{pinned} -e .\n" in lab and ".[dev]" not in lab and "download.pytorch.org" not in lab
    assert f"{pinned} -e .\n" in test and f'{pinned} -e ".[dev]"' in test
    for target in ("lint", "book", "test-quick"):
        assert ".[dev]" in _make("-n", target, venv), f"make {target} без инструментов разработчика"


def test_make_lab_torch_cpu_takes_torch_from_the_pytorch_index(tmp_path):
    """TORCH=cpu: сначала torch и torchvision (версии из constraints.txt) из индекса PyTorch без CUDA.

    Сам индекс отсюда недоступен — проверяется только команда, которую строит Makefile.
    """
    lines = _make("-n", "lab", "TORCH=cpu", f"VENV={tmp_path / '.venv'}").splitlines()
    [cpu] = [n for n, line in enumerate(lines) if "--index-url" in line]
    runtime = lines.index(next(line for line in lines if line.endswith("-c constraints.txt -e .")))
    assert cpu < runtime, "torch без CUDA ставится до остальных зависимостей"
    words = shlex.split(lines[cpu])
    assert words[words.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"
    wanted = {n: spec for n, spec in _constraints().items() if n in ("torch", "torchvision")}
    assert dict(_split(w) for w in words[words.index("--index-url") + 2 :]) == wanted
    assert set(wanted) == {"torch", "torchvision"}


def _constraints() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return dict(_split(line) for line in lines if line.strip() and not line.startswith("#"))


def test_constraints_pin_every_dependency_inside_its_range():
    """constraints.txt — точные версии (==, без меток вроде +cu130, которых нет на PyPI) каждой
    зависимости из pyproject.toml, и каждая попадает в свой диапазон."""
    from packaging.specifiers import SpecifierSet

    pins = _constraints()
    for name, spec in _pip_deps().items():
        name = name.split("[")[0]
        assert name in pins, f"{name}: нет точной версии в constraints.txt"
        assert pins[name].startswith("==") and "+" not in pins[name], (name, pins[name])
        assert pins[name][2:] in SpecifierSet(spec), f"{name}{pins[name]} вне диапазона {spec} из pyproject.toml"


def test_make_lab_configures_jupyterlab_in_the_environment(tmp_path):
    """make lab пишет overrides.json в окружение: состояние виджетов в блокноте, без новостей.

    Имена расширений и значения сверяются со схемами настроек установленного JupyterLab.
    """
    venv = tmp_path / ".venv"
    assert "tools/lab_settings.py" in _make("-n", "lab", f"VENV={venv}")
    _make("-s", "lab-settings", f"VENV={venv}")
    written = json.loads((venv / "share/jupyter/lab/settings/overrides.json").read_text(encoding="utf-8"))
    assert written["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    assert written["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false"}
    share = Path(sys.prefix) / "share" / "jupyter"
    for plugin, values in written.items():
        package, name = plugin.split(":")
        schemas = sorted(share.glob(f"**/schemas/{package}/{name}.json"))
        assert schemas, f"нет схемы настроек {plugin}: расширение переименовано?"
        properties = json.loads(schemas[0].read_text(encoding="utf-8"))["properties"]
        for key, value in values.items():
            assert key in properties, f"{plugin}: нет настройки {key}"
            allowed = [o["const"] for o in properties[key].get("oneOf", [])]
            assert not allowed or value in allowed, f"{plugin}.{key}: {value!r} не из {allowed}"
            assert isinstance(value, {"boolean": bool, "string": str}[properties[key]["type"]])
