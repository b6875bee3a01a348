# Moodwave: `make run` starts the bot on its embedded defaults, `make test` runs the whole suite.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU build of torch (it lies on the development machines' disk). Users with a GPU can pass their own,
# e.g. make run TORCH_SPEC='torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128'
TORCH_SPEC ?= torch==2.13.0

# The public data sets: ../shared/data beside the checkout, when it exists.
ifneq ($(wildcard ../shared/data),)
export MOODWAVE_DATA_DIR ?= $(abspath ../shared/data)
endif

.PHONY: install install-dev run chat config db-upgrade test lint typecheck pytest clean i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH_SPEC)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	# The voice tests speak with espeak-ng and encode with ffmpeg (Debian packages).
	sh scripts/install-system-packages.sh
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/moodwave run

chat: install
	$(BIN)/moodwave chat

config: install
	$(BIN)/moodwave config

db-upgrade: install
	$(BIN)/moodwave db upgrade

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

test: lint typecheck pytest

# The reply catalogues: every string marked with _, N_ or ngettext into bot/locales/moodwave.pot,
# then merged into each language's .po (new ones empty, so they read in English until translated).
I18N_SOURCES := bot/core recommender/reasons.py recommender/modes.py recommender/groups.py
i18n: install
	$(BIN)/pybabel extract --width 100 --no-location --sort-output --omit-header -o bot/locales/moodwave.pot $(I18N_SOURCES)
	$(BIN)/pybabel update --width 100 --no-fuzzy-matching --ignore-obsolete -D moodwave -i bot/locales/moodwave.pot -d bot/locales

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
