#!/usr/bin/env bash
# All tests: set-up, unit and parity tests, installs from the tarballs (test/install), notebook
# execution (tslab, then Deno's kernel), browser tests (with the wheel's install).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh

say "Type-checking every workspace, the tests and the bench (strict)"
npm run typecheck --silent

say "Unit, parity, notebook and install tests (vitest)"
npx vitest run

say "Executing the chapter's notebooks (tslab, then Deno's Jupyter kernel)"
npm run notebooks --silent

say "Browser tests (JupyterLab in headless Chromium)"
npm run test:browser --silent
