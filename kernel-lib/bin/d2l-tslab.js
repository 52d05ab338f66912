#!/usr/bin/env node
// The tslab kernel launcher of d2l-ts (src/launcher/main.ts): register it with
// `npx tslab install --binary="$PWD/node_modules/.bin/d2l-tslab"`.
require("../dist/launcher/main.js").main(process.argv.slice(2));
