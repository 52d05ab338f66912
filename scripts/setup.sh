#!/usr/bin/env bash
# Idempotent set-up shared by `npm start` and `npm test`: Debian packages, npm packages, builds,
# the tslab kernel. Each step says what it does and skips itself when there is nothing to do.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

DEBIAN_PACKAGES=(
  python3-jupyter-server python3-jupyterlab-server python3-ipykernel python3-nbclient
  jupyter-nbconvert jupyter-client   # run notebooks and serve JupyterLab
  python3-torch libopenblas0-pthread # the book's PyTorch code: fixtures and benchmarks
  python3-matplotlib                 # the book's sections as the benchmark runs them
  chromium                           # browser tests
  clang lld                          # WebAssembly kernels
  python3-build python3-hatchling    # the extension's Python wheel (setup.d/60-wheel.sh)
  python3-venv                       # the wheel's install test (a fresh virtual environment)
)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || fail "Debian packages missing (${missing[*]}); run as root or install them with apt-get"
  say "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # With the recommended packages, as the machines these scripts were tested on got them.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages: all present"
fi

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.d2l-lock-sum 2>/dev/null)" != "$lock_sum" ]; then
  say "npm ci (package-lock.json changed or node_modules missing)"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.d2l-lock-sum
else
  say "npm packages: up to date"
fi

say "Building the workspaces"
npm run build --silent

say "Registering the tslab kernel (through d2l-ts's launcher, d2l-tslab)"
npx tslab install --python="$PY" --binary="$ROOT/node_modules/.bin/d2l-tslab" --sys-prefix >/dev/null
"$PY" -m jupyter kernelspec list 2>/dev/null | grep -q "^ *tslab " || fail "the tslab kernel did not register"
# The launcher's start-up snapshot for the notebooks (TypeScript loaded, declarations parsed):
# kernels start without it too, and a kernel that finds none builds one in the background.
if ! node kernel-lib/bin/d2l-tslab.js snapshot --check --cwd notebooks; then
  node kernel-lib/bin/d2l-tslab.js snapshot --cwd notebooks || echo "    (kernels start without it)"
fi

# Further steps (e.g. the JupyterLab frontend) live in scripts/setup.d/, run in name order.
for step in "$ROOT"/scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
