#!/usr/bin/env bash
# Deno (npm package `deno`, which ships its binary) for the test that runs a figure notebook in
# Deno's Jupyter kernel. Installed beside the project rather than in package-lock.json: the npm
# registry here lacks the other platforms' optional binaries, and `npm ci` refuses a lock file
# without them.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
DENO_VERSION=2.9.6
DENO_DIR="$ROOT/build/tools/deno"
if [ "$("$DENO_DIR/node_modules/.bin/deno" --version 2>/dev/null | head -1 | cut -d' ' -f2)" = "$DENO_VERSION" ]; then
  say "Deno $DENO_VERSION: present"
  exit 0
fi
say "Installing Deno $DENO_VERSION into build/tools/deno (for the Deno kernel test)"
mkdir -p "$DENO_DIR"
[ -f "$DENO_DIR/package.json" ] || echo '{"private": true}' > "$DENO_DIR/package.json"
npm install --prefix "$DENO_DIR" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >/dev/null
"$DENO_DIR/node_modules/.bin/deno" --version | head -1
