#!/usr/bin/env node
'use strict';
// ajv-validate.js: Ajv 8's verdict on JSON Schemas and the values they check.
//
// stdin:  JSON {"schema": <a draft-07 JSON Schema>, "data": [<value>, ...]}
// stdout: JSON {"compiled": bool, "error": "...",
//               "results": [{"valid": bool, "errors": [<Ajv error>, ...]}, ...]}
//         "error" (and no results) when the schema does not compile;
//         results are in the order of data.
// exit:   0 when the schema was judged (a schema that does not compile is a
//         result, not a failure); 2 on bad input, with the reason on stderr.
//
// Ajv runs with strict: false because the schemas carry keywords Ajv does
// not know (Backstage's ui:* form extensions), and allErrors: true so every
// problem of a value is listed. Patterns are compiled as Ajv always does,
// with the u flag.

const Ajv = require('ajv');

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', c => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (e) {
    throw new Error(`stdin is not JSON: ${e.message}`);
  }
  if (!input || typeof input.schema !== 'object' || !Array.isArray(input.data)) {
    throw new Error('stdin must be {"schema": object, "data": array}');
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  let validate;
  try {
    validate = ajv.compile(input.schema);
  } catch (e) {
    process.stdout.write(JSON.stringify({ compiled: false, error: e.message }) + '\n');
    return;
  }
  const results = input.data.map(d => {
    const valid = validate(d);
    return { valid, errors: valid ? [] : validate.errors };
  });
  process.stdout.write(JSON.stringify({ compiled: true, results }) + '\n');
}

main().catch(e => {
  process.stderr.write(`ajv-validate: ${e.stack || e}\n`);
  process.exit(2);
});
