# Две команды курса: `make lab` (открыть уроки) и `make test` (все проверки).
# Обе сами создают .venv и ставят зависимости; повторный запуск ничего не переустанавливает,
# пока не изменится pyproject.toml (метки .venv/.runtime-<хеш> и .venv/.dev-<хеш>).
# `make lab` ставит только то, что нужно урокам; `make test`, `lint`, `book` добавляют
# инструменты разработчика (extras «dev»). `make lab TORCH=cpu` при первой установке берёт PyTorch
# без CUDA из индекса PyTorch (TORCH_INDEX).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell $(PYTHON) -c "import hashlib;print(hashlib.sha256(open('pyproject.toml','rb').read()+open('constraints.txt','rb').read()).hexdigest()[:16])")
# точные версии, с которыми курс проверен (диапазоны — в pyproject.toml)
PIN    := -c constraints.txt
STAMP  := $(VENV)/.runtime-$(HASH)
DEV_STAMP := $(VENV)/.dev-$(HASH)
TORCH ?=
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# torch и torchvision — ровно тех версий, что в constraints.txt (индекс PyTorch других пакетов не ставит)
TORCH_REQS = $(shell grep -E '^(torch|torchvision)==' constraints.txt)
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: book-vendor constraints lab lab-settings test test-quick lint fmt strip lessons setup setup-dev bench bench-sun book clean

setup: $(STAMP)
setup-dev: $(DEV_STAMP)

# Только то, что нужно урокам (зависимости из pyproject.toml без extras).
$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(if $(filter cpu,$(TORCH)),$(BIN)/python -m pip install --quiet --index-url $(TORCH_INDEX) $(TORCH_REQS))
	$(BIN)/python -m pip install --quiet $(PIN) -e .
	rm -f $(VENV)/.runtime-* $(VENV)/.installed-*
	touch $(STAMP)

# Инструменты разработчика: pytest, playwright, ruff, sphinx (extras «dev»).
$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet $(PIN) -e ".[dev]"
	rm -f $(VENV)/.dev-*
	touch $(DEV_STAMP)

# Записать в constraints.txt версии из нынешнего .venv (после обновления зависимостей и зелёного make test).
constraints: $(DEV_STAMP)
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | sed -E 's/\+[a-z0-9.]+$$//'; } > constraints.tmp
	mv constraints.tmp constraints.txt

# Настройки JupyterLab курса — в окружении (не в домашней папке ученика): состояние виджетов
# сохраняется в блокноте (обозреватели видны после повторного открытия), без всплывающих новостей.
lab-settings: $(LAB_SETTINGS)
$(LAB_SETTINGS): tools/lab_settings.py
	$(PYTHON) tools/lab_settings.py $@

# От root (контейнер, Docker) JupyterLab без --allow-root не запускается.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/jupyter lab notebooks $(ROOT_FLAG)

# Все проверки: тесты пакета, уроки в проверочном режиме (nbval), уроки в обычном режиме ученика
# (время и память, tests/test_lessons_run.py), браузер, книга.
test: $(DEV_STAMP) lint
	CNN_COURSE_MODE=smoke $(BIN)/python -m pytest

# Быстрая проверка при работе над кодом: только тесты пакета — без уроков (ни nbval, ни обычного
# режима), браузера, книги и медленных (настоящие сигналы, обучение, несколько процессов).
test-quick: $(DEV_STAMP)
	CNN_COURSE_MODE=smoke $(BIN)/python -m pytest tests -m "not lessons and not browser and not slow"

# Стиль кода: ruff (проверка и формат) по пакету, тестам, инструментам и урокам;
# типы пакета: mypy (настройки — [tool.mypy] в pyproject.toml, функции без аннотаций — ошибка).
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Привести код к стилю и убрать из уроков выводы (перед коммитом).
fmt: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/python tools/strip_outputs.py

strip: $(STAMP)
	$(BIN)/python tools/strip_outputs.py

# Уроки в обычном режиме (или MODE=lecture): таблица «урок, секунды, пик памяти».
MODE ?= default
lessons: $(STAMP)
	$(BIN)/python tools/run_lessons.py --mode $(MODE) --out build/executed/$(MODE)

bench: $(STAMP)
	$(BIN)/python benchmarks/conv_speed.py

bench-sun: $(STAMP)
	$(BIN)/python benchmarks/sun_training.py

# Книга курса (Sphinx + MyST-NB + sphinx-book-theme) в build/book/: уроки выполняются в режиме из
# CNN_COURSE_MODE (обычном по умолчанию) с кешем в build/.jupyter_cache/<режим>/ — повторная сборка
# без изменений их не выполняет. make book EXECUTED=build/executed/default — из уроков, уже
# выполненных make lessons (без выполнения). Настройки и расширение книги — в book/.
EXECUTED ?=
# Скрипты книги из npm (с проверкой SHA-256) — отдельным шагом: сама сборка sphinx-build их не качает.
book-vendor: $(DEV_STAMP)
	$(BIN)/python book/cnn_book_vendor.py

book: $(DEV_STAMP) book-vendor
	mkdir -p build/book-src
	$(BIN)/sphinx-build -b html -q -c book -d build/book-doctrees \
		$(if $(EXECUTED),-D cnn_book_executed=$(abspath $(EXECUTED))) build/book-src build/book
	@echo "Книга готова: build/book/index.html"

clean:
	rm -rf $(VENV) .hypothesis .pytest_cache build
