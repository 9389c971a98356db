# hsqual: two commands do all set-up (see README).
#   make reproduce   create .venv, install hsqual, rebuild the Kurusu study's tables and figures
#   make test        create .venv, install hsqual with its test extra, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= outputs/kurusu2015

.PHONY: reproduce test lab bench clean

reproduce: $(VENV)/.installed
	$(BIN)/hsqual reproduce kurusu2015 --out $(OUT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

bench: $(VENV)/.installed
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "hsqual needs Python 3.11 or newer; run: make PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) outputs build dist .pytest_cache
