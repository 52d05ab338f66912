#!/usr/bin/env bash
# `npm run notebooks`: execute every notebook of the chapter (notebooks/**/*.ipynb) with the tslab
# kernel, top to bottom. Executed copies and nbconvert HTML exports go to build/notebooks/
# (git-ignored); each notebook's wall time is printed. The first failing notebook stops the run
# with its name, the cell and tslab's stderr text (see test/notebooks/run_notebook.py).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
OUT=build/notebooks

# The notebooks import the built package `d2l-ts`: build it when dist/ is missing or older than
# its sources or the figure contract's (set-up builds it too; this keeps `npm run notebooks` usable on its own).
if [ ! -f kernel-lib/dist/index.js ] ||
  [ -n "$(find kernel-lib/src contract/src -name '*.ts' -newer kernel-lib/dist/index.js -print -quit 2>/dev/null)" ]; then
  say "Building d2l-ts (dist/ missing or stale)"
  npm run build --silent
fi
"$PY" -m jupyter kernelspec list 2>/dev/null | grep -q "^ *tslab " ||
  fail "the tslab kernel is not registered; run: bash scripts/setup.sh"

mapfile -t notebooks < <(find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
((${#notebooks[@]})) || fail "no notebooks found under notebooks/"

rm -rf "$OUT"
mkdir -p "$OUT"
say "Executing ${#notebooks[@]} notebooks (tslab kernel) into $OUT/"
started_ns=$(date +%s%N)
"$PY" "$ROOT/test/notebooks/run_notebook.py" --out-dir "$OUT" --base notebooks --html --check-figures \
  "${notebooks[@]}"
elapsed_ms=$((($(date +%s%N) - started_ns) / 1000000))
printf 'wall time of the whole run (kernel start-ups and HTML exports included): %d.%d s\n' \
  $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100))
