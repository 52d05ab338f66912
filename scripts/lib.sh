# Shared helpers for the set-up, start and test scripts. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Debian's Python has the Jupyter packages; a python3 earlier on PATH (pyenv) may not.
PY=/usr/bin/python3
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }
# Jupyter data folder holding the Deno kernelspec (setup.d/40-deno.sh); put it on JUPYTER_PATH.
DENO_JUPYTER_PATH="$ROOT/build/jupyter"
# Where setup.d/60-wheel.sh puts the extension's Python wheel.
WHEEL_DIR="$ROOT/build/dist"
