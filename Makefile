# 同心 Tongxin: the two commands of the README.
#   make run   install everything into .venv, load the demo data, start the portal
#   make test  install everything (with the test extras) into .venv, run the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test venv

# The virtual environment, (re)installed only when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

$(VENV): $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	TONGXIN_MODE=demo $(BIN)/tongxin demo && \
	TONGXIN_MODE=demo $(BIN)/tongxin run --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check app models views tests benchmarks
	$(BIN)/tongxin i18n compile
	$(BIN)/pytest
