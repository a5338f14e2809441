#!/usr/bin/env node
'use strict';
// catalog-oracle.js: Backstage's own verdict on catalog files.
//
// stdin:  JSON array [{"id": "...", "yaml": "<catalog file text>"}, ...]
// stdout: JSON array, same order:
//         [{"id": "...", "docs": [{"valid": bool, "error": "...", "line": N,
//                                  "entity": <parsed JSON or null>}, ...]}]
//         "error" is present when valid is false; "line" (1-based) only for
//         YAML syntax errors that carry a position.
// exit:   0 when every case was judged (invalid entities are results, not
//         failures); 2 on bad input or an internal error, with the reason on
//         stderr.
//
// See catalog-pipeline.js for what is run on each document.

const { parseCatalogYaml, makeEntityChecker } = require('./catalog-pipeline');

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', c => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function main() {
  const input = await readStdin();
  let cases;
  try {
    cases = JSON.parse(input);
  } catch (e) {
    throw new Error(`stdin is not JSON: ${e.message}`);
  }
  if (!Array.isArray(cases)) throw new Error('stdin must be a JSON array of {"id","yaml"}');
  cases.forEach((c, i) => {
    if (!c || typeof c !== 'object' || typeof c.id !== 'string' || typeof c.yaml !== 'string') {
      throw new Error(`case ${i}: want {"id": string, "yaml": string}`);
    }
  });

  const check = makeEntityChecker();
  const results = [];
  for (const c of cases) {
    const docs = [];
    for (const d of parseCatalogYaml(c.yaml)) {
      if (d.kind === 'error') {
        const doc = { valid: false, error: d.error, entity: d.entity === undefined ? null : d.entity };
        if (d.line !== undefined) doc.line = d.line;
        docs.push(doc);
        continue;
      }
      const v = await check(d.entity);
      const doc = { valid: v.valid };
      if (!v.valid) doc.error = v.error;
      doc.entity = d.entity;
      docs.push(doc);
    }
    results.push({ id: c.id, docs });
  }
  await new Promise((resolve, reject) =>
    process.stdout.write(JSON.stringify(results) + '\n', err => (err ? reject(err) : resolve())),
  );
}

main().catch(e => {
  process.stderr.write(`catalog-oracle: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 2;
});
