# hsqual: two commands do all set-up (see README).
#   make reproduce   create .venv, install hsqual, rebuild the Kurusu study's tables and figures
#   make test        create .venv, install hsqual with its test extra, run the whole test suite
#                    (as root, first installs Chromium and a Japanese font for the browser tests)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= outputs/kurusu2015

.PHONY: reproduce test browser-deps lab bench clean

reproduce: $(VENV)/.installed
	$(BIN)/hsqual reproduce kurusu2015 --out $(OUT)

test: $(VENV)/.installed browser-deps
	$(BIN)/python -m pytest

# tests/test_browser.py renders the HTML pages in headless Chromium, Japanese text included.
# As root on Debian/Ubuntu, install what is missing; otherwise say how (those tests then fail
# with the same advice). HSQUAL_CHROMIUM may name another Chromium or Chrome binary.
browser-deps:
	@if { [ -n "$$HSQUAL_CHROMIUM" ] || command -v chromium >/dev/null 2>&1; } && fc-list :lang=ja family 2>/dev/null | grep -q .; then \
	  echo "browser tests: Chromium and a Japanese font are installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "browser tests: installing Debian's chromium and fonts-noto-cjk with apt-get"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk; \
	else \
	  echo "browser tests: Chromium or a Japanese font is missing and this user cannot install them;"; \
	  echo "  run: sudo apt-get install chromium fonts-noto-cjk   (tests/test_browser.py fails until then)"; \
	fi

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

# bench_engine.py runs at 1, 10 and 100 MB here (--big: about ten minutes more than 1 and 10 MB)
bench: $(VENV)/.installed
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f $$(test $$f = bench/bench_engine.py && echo --big) || exit 1; done
	echo "== bench/bench_parallel.py --start forkserver (workers as a Jupyter kernel starts them)"; $(BIN)/python bench/bench_parallel.py --start forkserver

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "hsqual needs Python 3.11 or newer; run: make PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test,review]'
	touch $@

clean:
	rm -rf $(VENV) outputs build dist .pytest_cache
