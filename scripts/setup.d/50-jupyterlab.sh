#!/usr/bin/env bash
# JupyterLab for `npm start` and the browser tests: builds the prebuilt jupyterlab-d2l-ts
# extension into build/share/jupyter/labextensions/ and the JupyterLab 4 frontend into
# jupyterlab-app/build/. Each build hashes its inputs and is skipped when they are unchanged.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

say "JupyterLab extension jupyterlab-d2l-ts (prebuilt, federated)"
node extension/build.js

say "JupyterLab 4 frontend (jupyterlab-app)"
node jupyterlab-app/build.js
