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
# Further arguments go to the server (e.g. `npm start -- --ServerApp.log_level=DEBUG`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
[ "${D2L_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh

port="${D2L_LAB_PORT:-}"
if [ -z "$port" ]; then
  port=$("$PY" - <<'PYEOF'
import socket
for port in range(8888, 8988):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PYEOF
)
fi
[ -n "$port" ] || fail "no free port between 8888 and 8987; set D2L_LAB_PORT"
token="${D2L_LAB_TOKEN:-$("$PY" -c 'import secrets; print(secrets.token_hex(24))')}"

lab_root="${D2L_LAB_ROOT:-$ROOT/notebooks}"
say "JupyterLab: http://127.0.0.1:$port/lab?token=$token"
echo "    notebooks: $lab_root   (stop with Ctrl-C)"
export D2L_LAB_STATE_DIR="${D2L_LAB_STATE_DIR:-$ROOT/.jupyter-local}"
exec "${D2L_LAB_PYTHON:-$PY}" jupyterlab-app/d2l_lab.py \
  --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" --ServerApp.port_retries=0 \
  --ServerApp.token="$token" --ServerApp.open_browser=False --ServerApp.allow_root=True \
  --ServerApp.root_dir="$lab_root" --ServerApp.log_level=WARN "$@"
