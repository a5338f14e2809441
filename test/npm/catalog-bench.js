#!/usr/bin/env node
'use strict';
// catalog-bench.js: how fast Backstage's own entity validation is, for
// comparison with the Go validator.
//
// usage:  node catalog-bench.js FILE [ITERATIONS]
//   FILE        a YAML stream of catalog entities (documents separated by ---),
//               or a JSON array [{"id","yaml"}] as catalog-oracle.js reads;
//               a file whose first non-blank character is '[' and that parses
//               as JSON is taken as the latter.
//   ITERATIONS  how many times to validate every entity (default 20, or env
//               BENCH_ITERATIONS).
// stdout: one JSON line
//   {"entities":n,"iterations":N,"ms":<validation time of all N passes>,
//    "perEntityUs":<ms*1000/(n*N)>,"parseMs":<one parse of FILE>,
//    "valid":v,"invalid":i,"yamlErrors":e}
// Only policies + kind validators are timed in "ms"; parsing is timed once,
// separately, and one untimed warm-up pass (JIT, lazy Ajv compilation) runs
// before the timed ones.

const fs = require('fs');
const { performance } = require('perf_hooks');
const { parseCatalogYaml, makeEntityChecker } = require('./catalog-pipeline');

function loadTexts(path) {
  const text = fs.readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('[')) {
    try {
      const cases = JSON.parse(text);
      if (Array.isArray(cases)) return cases.map(c => c.yaml);
    } catch (_) {
      // a YAML flow sequence, not JSON: fall through
    }
  }
  return [text];
}

async function main() {
  const path = process.argv[2];
  if (!path) throw new Error('usage: node catalog-bench.js FILE [ITERATIONS]');
  const iterations = parseInt(process.argv[3] || process.env.BENCH_ITERATIONS || '20', 10);
  if (!(iterations > 0)) throw new Error(`bad ITERATIONS ${process.argv[3]}`);

  const texts = loadTexts(path);
  const p0 = performance.now();
  const entities = [];
  let yamlErrors = 0;
  for (const t of texts) {
    for (const d of parseCatalogYaml(t)) {
      if (d.kind === 'entity') entities.push(d.entity);
      else yamlErrors++;
    }
  }
  const parseMs = performance.now() - p0;
  if (entities.length === 0) throw new Error(`${path}: no entities`);

  const check = makeEntityChecker();
  let valid = 0;
  for (const e of entities) if ((await check(e)).valid) valid++;

  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    for (const e of entities) await check(e);
  }
  const ms = performance.now() - t0;

  const round = x => Math.round(x * 1000) / 1000;
  process.stdout.write(JSON.stringify({
    entities: entities.length,
    iterations,
    ms: round(ms),
    perEntityUs: round((ms * 1000) / (entities.length * iterations)),
    parseMs: round(parseMs),
    valid,
    invalid: entities.length - valid,
    yamlErrors,
  }) + '\n');
}

main().catch(e => {
  process.stderr.write(`catalog-bench: ${e && e.message ? e.message : e}\n`);
  process.exitCode = 2;
});
