#!/usr/bin/env node
'use strict';
// node-validate.js: the whole job 'stagecrew validate DIR' does, done with
// Backstage's own code, for timing as a process: read every .yaml file in DIR
// (not recursive), parse it as Backstage's catalog does, and run the entity
// policies and kind validators once over each entity. Unlike stagecrew it does
// not check stagecrew's annotations or references across entities, and it
// prints only the counts.
//
// usage:  node bench/node-validate.js DIR
// stdout: one JSON line {"files","entities","valid","invalid","yamlErrors"}

const fs = require('fs');
const path = require('path');
const { parseCatalogYaml, makeEntityChecker } = require('../test/npm/catalog-pipeline');

async function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node bench/node-validate.js DIR');
  const names = fs.readdirSync(dir).filter(n => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  if (names.length === 0) throw new Error(`${dir}: no .yaml files`);
  const check = makeEntityChecker();
  let entities = 0, valid = 0, yamlErrors = 0;
  for (const n of names) {
    const text = fs.readFileSync(path.join(dir, n), 'utf8');
    for (const d of parseCatalogYaml(text)) {
      if (d.kind !== 'entity') { yamlErrors++; continue; }
      entities++;
      if ((await check(d.entity)).valid) valid++;
    }
  }
  process.stdout.write(JSON.stringify({ files: names.length, entities, valid, invalid: entities - valid, yamlErrors }) + '\n');
}

main().catch(e => {
  process.stderr.write(`node-validate: ${e && e.message ? e.message : e}\n`);
  process.exitCode = 2;
});
