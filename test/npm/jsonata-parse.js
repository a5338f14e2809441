#!/usr/bin/env node
'use strict';
// jsonata-parse.js: does the reference JSONata implementation (the jsonata
// package asl-validator depends on) parse each expression? pkg/asl's JSONata
// checker is compared with it.
//
// usage:  node test/npm/jsonata-parse.js < exprs.jsonl
// stdin:  one JSON string per line; stdout: one line {"ok","code","message"} each.
const { createRequire } = require('module');
const jsonata = createRequire(require.resolve('asl-validator'))('jsonata');

const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
const out = [];
for (const l of lines) {
  const expr = JSON.parse(l);
  try {
    jsonata(expr);
    out.push({ ok: true });
  } catch (e) {
    out.push({ ok: false, code: (e && e.code) || '', message: String((e && e.message) || e) });
  }
}
process.stdout.write(out.map(o => JSON.stringify(o)).join('\n') + '\n');
