#!/usr/bin/env bash
# `npm start`: set up (idempotent, fast when nothing changed), then serve JupyterLab 4 on
# 127.0.0.1 with notebooks/ open, the tslab kernel and the jupyterlab-d2l-ts extension.
#   D2L_LAB_PORT=8888        port (default: the first free one from 8888)
#   D2L_LAB_TOKEN=...        token (default: a fresh random one)
#   D2L_LAB_ROOT=dir         folder to serve (default: notebooks/)
#   D2L_LAB_STATE_DIR=dir    settings and workspaces (default: .jupyter-local/)
#   D2L_SKIP_SETUP=1         skip scripts/setup.sh (the browser tests, which build what they use)
#   D2L_LAB_PYTHON=path      Python that runs the server (default Debian's /usr/bin/python3), e.g.
#                            a virtual environment's, whose share/jupyter it then searches too
# Arguments are Jupyter's own flags and win over these defaults, e.g.
# `npm start -- --port=9000 --ip=0.0.0.0 --ServerApp.token=secret --ServerApp.log_level=DEBUG`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
[ "${D2L_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh

# The server adds its defaults (127.0.0.1, the first free port from 8888, a fresh token, …) for
# whatever the arguments do not set, and prints its URL once it listens (jupyterlab-app/d2l_lab.py).
export D2L_LAB_ROOT="${D2L_LAB_ROOT:-$ROOT/notebooks}"
export D2L_LAB_STATE_DIR="${D2L_LAB_STATE_DIR:-$ROOT/.jupyter-local}"
say "Starting JupyterLab"
exec "${D2L_LAB_PYTHON:-$PY}" jupyterlab-app/d2l_lab.py "$@"
