#!/usr/bin/env node
'use strict';
// asl-validate.js: the verdicts of the npm asl-validator (the reference ASL
// validator pkg/asl is compared with) over definition files.
//
// usage:  node test/npm/asl-validate.js [--reuse-ajv] FILE...  one JSON line per file:
//           {"file","valid","errors":["code: message", ...]} (malformed JSON: valid false)
//         node test/npm/asl-validate.js --bench N DIR       validate every *.json file of
//           DIR N times after a warm-up on 20 (parse included, files read once) and print
//           one JSON line
//           {"definitions","passes","ms","perDefinitionUs","valid","invalid"}
const fs = require('fs');
const path = require('path');

// --reuse-ajv (first argument): asl-validator builds and compiles a new Ajv
// instance with all its schemas for every definition (~100 ms each). With
// this flag the first instance is kept and handed back by later `new Ajv`
// calls: same schemas, same formats re-registered, same verdicts, for
// tests that judge many definitions. Timings (--bench) are taken without it.
const argv = process.argv.slice(2);
if (argv[0] === '--reuse-ajv') {
  argv.shift();
  const { createRequire } = require('module');
  const fromValidator = createRequire(require.resolve('asl-validator'));
  const ajvPath = fromValidator.resolve('ajv');
  const mod = require(ajvPath); // asl-validator uses its .default
  const Base = mod.default;
  let kept = null;
  class ReusedAjv extends Base {
    constructor(opts) {
      if (kept) return kept;
      super(opts);
      kept = this;
    }
    // ajv-formats adds its keywords again on every use: once is enough.
    addKeyword(def, ...rest) {
      const names = [].concat(typeof def === 'string' ? def : (def && def.keyword) || []);
      if (kept === this && names.length > 0 && names.every(n => this.getKeyword(n))) return this;
      return super.addKeyword(def, ...rest);
    }
  }
  mod.default = ReusedAjv;
  if (mod.default !== ReusedAjv) throw new Error('cannot replace ajv.default');
}
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
  const args = argv;
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
