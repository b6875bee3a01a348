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

.PHONY: install install-dev lock run chat config db-upgrade test lint typecheck pytest clean i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exact versions with their sha256 (requirements*.lock, refreshed by `make lock`), installed without
# resolving anything; then moodwave itself, and `pip check` fails if pyproject.toml asks for a
# package or version the lock lacks (run `make lock`). torch is installed apart (TORCH_SPEC).
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH_SPEC)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/pip check
	# The voice tests speak with espeak-ng and encode with ffmpeg (Debian packages).
	sh scripts/install-system-packages.sh
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Refresh requirements.lock and requirements-dev.lock from pyproject.toml (UPGRADE=1: newest allowed).
lock:
	UPGRADE=$(UPGRADE) sh scripts/lock.sh

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

# The tests run in a random order (pytest-randomly prints "Using --randomly-seed=N" first);
# SEED=N runs that order again.
pytest: install-dev
	$(BIN)/pytest $(if $(SEED),-p randomly --randomly-seed=$(SEED))

test: lint typecheck pytest

# The reply catalogues: every string marked with _, N_ or ngettext into bot/locales/moodwave.pot,
# then merged into each language's .po (new ones empty, so they read in English until translated).
I18N_SOURCES := bot/core bot/adapters/telegram/menu.py bot/adapters/discord/commands.py recommender/reasons.py recommender/modes.py recommender/groups.py
i18n: install
	$(BIN)/pybabel extract --width 100 --no-location --sort-output --omit-header -o bot/locales/moodwave.pot $(I18N_SOURCES)
	$(BIN)/pybabel update --width 100 --no-fuzzy-matching --ignore-obsolete -D moodwave -i bot/locales/moodwave.pot -d bot/locales

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
