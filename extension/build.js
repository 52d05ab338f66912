#!/usr/bin/env node
// Builds jupyterlab-d2l-ts as a prebuilt (federated) JupyterLab 4 extension, without the Python
// jupyterlab package: tsc (src → lib), then @jupyter/builder with the core metadata of
// @jupyterlab/core-meta. Output: <repo>/build/share/jupyter/labextensions/jupyterlab-d2l-ts,
// the layout pip gives under sys.prefix.
//
//   node build.js            build unless the inputs are unchanged since the last build
//   node build.js --force    build anyway
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..');
const pkg = require('./package.json');
const OUTPUT = path.resolve(HERE, pkg.jupyterlab.outputDir);
const STAMP = path.join(ROOT, 'build', `.${pkg.name}.inputs.sha256`);

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Our sources, the style, the contract as built, and the versions of the build tools. */
function inputsHash() {
  const hash = crypto.createHash('sha256');
  const files = [
    ...filesUnder(path.join(HERE, 'src')),
    path.join(HERE, 'package.json'),
    path.join(HERE, 'tsconfig.json'),
    path.join(HERE, 'build.js'),
    ...filesUnder(path.join(ROOT, 'style')),
    ...filesUnder(path.join(ROOT, 'contract', 'dist')),
    ...filesUnder(path.join(ROOT, 'contract', 'generated'))
  ].sort();
  for (const file of files) {
    hash.update(path.relative(ROOT, file));
    hash.update(fs.readFileSync(file));
  }
  for (const name of ['@jupyter/builder', '@jupyterlab/core-meta', 'plotly.js-cartesian-dist-min', 'typescript']) {
    hash.update(`${name}@${require(`${name}/package.json`).version}\n`);
  }
  return hash.digest('hex');
}

function main() {
  const rel = p => path.relative(process.cwd(), p) || '.';
  const hash = inputsHash();
  if (!process.argv.includes('--force') && fs.existsSync(STAMP) &&
      fs.readFileSync(STAMP, 'utf8') === hash && fs.existsSync(path.join(OUTPUT, 'package.json'))) {
    console.log(`${pkg.name}: prebuilt extension up to date (${rel(OUTPUT)})`);
    return;
  }
  console.log(`${pkg.name}: compiling TypeScript and building the prebuilt extension into ${rel(OUTPUT)}`);
  const started = Date.now();
  // The tools' own output (progress, licence and size warnings) is shown only if they fail.
  const run = (script, args) => {
    try {
      execFileSync(process.execPath, [require.resolve(script), ...args], { cwd: HERE, stdio: 'pipe' });
    } catch (error) {
      process.stderr.write(String(error.stdout ?? '') + String(error.stderr ?? ''));
      throw new Error(`${pkg.name}: ${path.basename(script)} failed`);
    }
  };
  run('typescript/bin/tsc', ['-p', 'tsconfig.json']);
  fs.rmSync(OUTPUT, { recursive: true, force: true });
  run('@jupyter/builder/lib/build-labextension.js', [
    '--core-package-file', require.resolve('@jupyterlab/core-meta/core.package.json'),
    '.'
  ]);
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, hash);
  console.log(`${pkg.name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
