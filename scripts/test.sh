#!/usr/bin/env bash
# All tests: set-up, unit and parity tests, notebook execution, browser tests.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh

say "Type-checking every workspace, the tests and the bench (strict)"
npm run typecheck --silent

say "Unit, parity and notebook tests (vitest)"
npx vitest run

say "Executing the chapter's notebooks"
npm run notebooks --silent

say "Browser tests (JupyterLab in headless Chromium)"
npm run test:browser --silent
