#!/usr/bin/env bash
# `npm run notebooks`: execute every notebook of the chapter (notebooks/**/*.ipynb), top to bottom,
# first with the tslab kernel they declare, then with Deno's Jupyter kernel, whose figures must be
# the tslab run's (test/notebooks/run_notebook.py --deno --same-figures). Executed copies go to
# build/notebooks/ (with nbconvert HTML exports) and build/notebooks-deno/ (git-ignored); each
# notebook's wall time is printed. A failing notebook is reported with its name, the cell and the
# kernel's error text, and the run goes on with the next one; the script then exits 1.
#   npm run notebooks -- notebooks/transformer.ipynb ...   only these notebooks (other executed
#                          copies in build/ are kept)
#   D2L_NOTEBOOKS_DENO=0   skip the Deno pass
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
OUT=build/notebooks
DENO_OUT=build/notebooks-deno

# The notebooks import the built package `d2l-ts`: build it when dist/ is missing or older than
# its sources or the figure contract's (set-up builds it too; this keeps `npm run notebooks` usable on its own).
if [ ! -f kernel-lib/dist/index.js ] ||
  [ -n "$(find kernel-lib/src contract/src -name '*.ts' -newer kernel-lib/dist/index.js -print -quit 2>/dev/null)" ]; then
  say "Building d2l-ts (dist/ missing or stale)"
  npm run build --silent
fi
"$PY" -m jupyter kernelspec list 2>/dev/null | grep -q "^ *tslab " ||
  fail "the tslab kernel is not registered; run: bash scripts/setup.sh"

if (($#)); then
  notebooks=()
  for nb in "$@"; do
    # Paths as the user gives them, relative to where `npm run` was called (npm runs scripts from
    # the package root; INIT_CWD is the caller's folder).
    case "$nb" in /*) ;; *) nb="${INIT_CWD:-$ROOT}/$nb" ;; esac
    [ -f "$nb" ] || fail "no such notebook: $nb"
    case "$(realpath "$nb")" in "$ROOT"/notebooks/*.ipynb) ;; *) fail "not a chapter notebook (under notebooks/): $nb" ;; esac
    notebooks+=("$(realpath --relative-to="$ROOT" "$nb")")
  done
else
  mapfile -t notebooks < <(find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
  ((${#notebooks[@]})) || fail "no notebooks found under notebooks/"
  rm -rf "$OUT" "$DENO_OUT"
fi
mkdir -p "$OUT"
say "Executing ${#notebooks[@]} notebooks (tslab kernel) into $OUT/"
started_ns=$(date +%s%N)
status=0
"$PY" "$ROOT/test/notebooks/run_notebook.py" --out-dir "$OUT" --base notebooks --html --check-figures \
  "${notebooks[@]}" || status=1
elapsed_ms=$((($(date +%s%N) - started_ns) / 1000000))
printf 'wall time of the whole run (kernel start-ups and HTML exports included): %d.%d s\n' \
  $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100))

if [ "${D2L_NOTEBOOKS_DENO:-1}" != 0 ]; then
  [ -f "$DENO_JUPYTER_PATH/kernels/deno/kernel.json" ] ||
    fail "Deno's kernelspec is missing ($DENO_JUPYTER_PATH); run: bash scripts/setup.sh"
  say "Executing the same notebooks in Deno's Jupyter kernel into $DENO_OUT/ (figures compared with $OUT/)"
  started_ns=$(date +%s%N)
  # The kernel runs in each notebook's own folder, as with tslab, so `d2l-ts` resolves the same way.
  JUPYTER_PATH="$DENO_JUPYTER_PATH${JUPYTER_PATH:+:$JUPYTER_PATH}" \
    "$PY" "$ROOT/test/notebooks/run_notebook.py" --deno --out-dir "$DENO_OUT" --base notebooks --check-figures \
    --same-figures "$OUT" "${notebooks[@]}" 2>&1 | grep --line-buffered -v '"deno jupyter" is unstable' || status=1
  elapsed_ms=$((($(date +%s%N) - started_ns) / 1000000))
  printf 'wall time of the Deno run: %d.%d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100))
fi
exit $status
