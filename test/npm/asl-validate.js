#!/usr/bin/env node
'use strict';
// asl-validate.js: the verdicts of the npm asl-validator (the reference ASL
// validator pkg/asl is compared with) over definition files.
//
// usage:  node test/npm/asl-validate.js FILE...            one JSON line per file:
//           {"file","valid","errors":["code: message", ...]} (malformed JSON: valid false)
//         node test/npm/asl-validate.js --bench N DIR       validate every *.json file of
//           DIR N times after a warm-up on 20 (parse included, files read once) and print
//           one JSON line
//           {"definitions","passes","ms","perDefinitionUs","valid","invalid"}
const fs = require('fs');
const path = require('path');
const validator = require('asl-validator');

function verdict(text) {
  let definition;
  try {
    definition = JSON.parse(text);
  } catch (e) {
    return { valid: false, errors: ['JSON: ' + e.message] };
  }
  try {
    const r = validator(definition);
    return { valid: r.isValid, errors: r.errors.map(e => `${e['Error code']}: ${e.Message}`) };
  } catch (e) {
    return { valid: false, errors: ['threw: ' + (e && e.message ? e.message : String(e))] };
  }
}

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--bench') {
    const passes = Number(args[1]);
    const dir = args[2];
    const names = fs.readdirSync(dir).filter(n => n.endsWith('.json')).sort();
    const texts = names.map(n => fs.readFileSync(path.join(dir, n), 'utf8'));
    for (const t of texts.slice(0, 20)) verdict(t); // warm-up
    let valid = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < passes; i++) for (const t of texts) if (verdict(t).valid && i === 0) valid++;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(JSON.stringify({ definitions: texts.length, passes, ms,
      perDefinitionUs: (ms * 1000) / (passes * texts.length), valid, invalid: texts.length - valid }) + '\n');
    return;
  }
  for (const f of args) {
    process.stdout.write(JSON.stringify({ file: f, ...verdict(fs.readFileSync(f, 'utf8')) }) + '\n');
  }
}

main();
