#!/usr/bin/env bash
# `npm start`: set up (idempotent, fast when nothing changed), then serve JupyterLab 4 on
# 127.0.0.1 with notebooks/ open, the tslab kernel and the jupyterlab-d2l-ts extension.
#   D2L_LAB_PORT=8888   port (default: the first free one from 8888)
#   D2L_LAB_TOKEN=...   token (default: a fresh random one)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh

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

say "JupyterLab: http://127.0.0.1:$port/lab?token=$token"
echo "    notebooks: $ROOT/notebooks   (stop with Ctrl-C)"
export D2L_LAB_STATE_DIR="$ROOT/.jupyter-local"
exec "$PY" jupyterlab-app/d2l_lab.py \
  --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" --ServerApp.port_retries=0 \
  --ServerApp.token="$token" --ServerApp.open_browser=False --ServerApp.allow_root=True \
  --ServerApp.root_dir="$ROOT/notebooks" --ServerApp.log_level=WARN
