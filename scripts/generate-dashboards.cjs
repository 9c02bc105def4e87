#!/usr/bin/env node
// Writes the Grafana dashboards built in services/observability/dashboards/src (with the
// @grafana/grafana-foundation-sdk builders) as JSON: into services/observability/dashboards/ and, for the
// chart's ConfigMaps, into charts/switchyard/dashboards/ (helm reads only files inside the chart).
//
//   node scripts/generate-dashboards.cjs           write them
//   node scripts/generate-dashboards.cjs --check   exit 1 when a file differs from what would be written
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

// The builders are TypeScript: compiled on require, as jest compiles them for the tests.
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

const root = path.resolve(__dirname, '..');
const targets = [path.join(root, 'services', 'observability', 'dashboards'), path.join(root, 'charts', 'switchyard', 'dashboards')];
const { SWITCHYARD_DASHBOARDS, dashboardJson } = require(path.join(targets[0], 'src', 'switchyard-dashboards.ts'));

const check = process.argv.includes('--check');
let stale = 0;
for (const { file, build } of SWITCHYARD_DASHBOARDS) {
  const json = dashboardJson(build());
  for (const folder of targets) {
    const target = path.join(folder, file);
    if (check) {
      if (!existsSync(target) || readFileSync(target, 'utf8') !== json) {
        process.stderr.write(`${path.relative(root, target)} does not match its builder: run node scripts/generate-dashboards.cjs\n`);
        stale++;
      }
    } else {
      writeFileSync(target, json);
    }
  }
}
process.exit(stale > 0 ? 1 : 0);
