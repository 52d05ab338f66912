#!/usr/bin/env bash
# Deno (npm package `deno`, which ships its binary) for running the chapter's notebooks and the
# figure test in Deno's Jupyter kernel. Installed beside the project rather than in
# package-lock.json: the npm registry here lacks the other platforms' optional binaries, and
# `npm ci` refuses a lock file without them. Its kernelspec goes to build/jupyter/kernels/deno
# (the argv `deno jupyter --install` writes), found through JUPYTER_PATH, so nothing global changes.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
DENO_VERSION=2.9.6
DENO_DIR="$ROOT/build/tools/deno"
DENO="$DENO_DIR/node_modules/deno/deno"
if [ "$("$DENO" --version 2>/dev/null | head -1 | cut -d' ' -f2)" = "$DENO_VERSION" ]; then
  say "Deno $DENO_VERSION: present"
else
  say "Installing Deno $DENO_VERSION into build/tools/deno (for the Deno kernel tests)"
  mkdir -p "$DENO_DIR"
  [ -f "$DENO_DIR/package.json" ] || echo '{"private": true}' > "$DENO_DIR/package.json"
  npm install --prefix "$DENO_DIR" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >/dev/null
  "$DENO" --version | head -1
fi
mkdir -p "$DENO_JUPYTER_PATH/kernels/deno"
"$PY" -c 'import json, sys; print(json.dumps({"argv": [sys.argv[1], "jupyter", "--kernel", "--conn", "{connection_file}"],
  "display_name": "Deno", "language": "typescript"}))' "$DENO" > "$DENO_JUPYTER_PATH/kernels/deno/kernel.json"
