#!/usr/bin/env bash
# The Python package of the extension: a wheel (build/dist/jupyterlab_d2l_ts-<version>-py3-none-any.whl)
# carrying the prebuilt extension of setup.d/50-jupyterlab.sh, for `pip install` into your own
# JupyterLab (README, "Your own JupyterLab"). Built offline with Debian's python3-build and
# python3-hatchling; `--skip-dependency-check` because Debian 12 lacks `editables`, which
# hatchling declares only for editable installs. Skipped when the wheel is newer than its inputs.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
version=$(node -p 'require("./extension/package.json").version')
wheel="$WHEEL_DIR/jupyterlab_d2l_ts-$version-py3-none-any.whl"
inputs=(build/share/jupyter/labextensions/jupyterlab-d2l-ts extension/pyproject.toml extension/install.json
  extension/jupyterlab_d2l_ts extension/package.json)
if [ -f "$wheel" ] && [ -z "$(find "${inputs[@]}" -newer "$wheel" -print -quit)" ]; then
  say "Python wheel of the extension: up to date ($wheel)"
  exit 0
fi
# hatchling skips a shared-data folder that does not exist, so check it is there.
[ -f "${inputs[0]}/package.json" ] || fail "the prebuilt extension is missing (${inputs[0]}); run: node extension/build.js"
say "Building the Python wheel of the extension into $WHEEL_DIR/"
rm -f "$WHEEL_DIR"/jupyterlab_d2l_ts-*.whl
"$PY" -m build --no-isolation --skip-dependency-check --wheel --outdir "$WHEEL_DIR" extension >/dev/null
[ -f "$wheel" ] || fail "the wheel build did not produce $wheel"
echo "$wheel"
