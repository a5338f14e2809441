#!/usr/bin/env node
'use strict';
// diff-oracle.js: the Node side of stagecrew's differential tests and
// fuzz targets. One process judges a whole batch.
//
// stdin:  {"mode": "template" | "url" | "yaml", "inputs": ["...", ...]}
// stdout: JSON array, one result per input, in order:
//   template: {"parse": bool, "error": "..."} - parse is false when
//             nunjitsu 0.6.2 (the engine @backstage/plugin-scaffolder-backend
//             4.2.0 renders ${{ }} with, created as the scaffolder creates
//             it) refuses the text in its parse phase; evaluation errors
//             (unknown names or filters) are not parse errors.
//   url:      {"ok": bool, "host": "..."} - does `new URL(input)` accept it.
//   yaml:     {"docs": [<JSON of each document> | {"$error": "..."}]} -
//             parseAllDocuments as the catalog reads files, then toJSON.
// exit:   0 when every input was judged; 2 on bad input.

const { createTemplateRenderer, TemplateRenderError, TemplateLimitError } = require('nunjitsu');
const yaml = require('yaml');

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', c => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function judgeTemplate(renderer, text) {
  try {
    renderer.renderValue(text, {});
    return { parse: true };
  } catch (e) {
    if (e instanceof TemplateRenderError || e instanceof TemplateLimitError) {
      const phase = e.phase ?? e.details?.phase;
      return { parse: phase !== 'parse', error: e.message };
    }
    // Anything else thrown while reading the text (a regular expression
    // literal's own error) is a parse failure too.
    return { parse: false, error: `${e && e.name}: ${e && e.message}` };
  }
}

function judgeURL(text) {
  try {
    return { ok: true, host: new URL(text).host };
  } catch {
    return { ok: false };
  }
}

function judgeYAML(text) {
  const docs = [];
  for (const d of yaml.parseAllDocuments(text, { merge: false })) {
    if (d.errors && d.errors.length) {
      docs.push({ $error: d.errors[0].message });
      continue;
    }
    try {
      docs.push(d.toJSON());
    } catch (e) {
      docs.push({ $error: String(e) });
    }
  }
  return { docs };
}

async function main() {
  const req = JSON.parse(await readStdin());
  if (!req || !Array.isArray(req.inputs)) throw new Error('stdin must be {"mode", "inputs": [...]}');
  let judge;
  switch (req.mode) {
    case 'template': {
      const renderer = createTemplateRenderer({ allowRegexExecution: true });
      judge = t => judgeTemplate(renderer, t);
      break;
    }
    case 'url':
      judge = judgeURL;
      break;
    case 'yaml':
      judge = judgeYAML;
      break;
    default:
      throw new Error(`unknown mode ${JSON.stringify(req.mode)}`);
  }
  const out = req.inputs.map(judge);
  await new Promise((resolve, reject) =>
    process.stdout.write(JSON.stringify(out) + '\n', err => (err ? reject(err) : resolve())),
  );
}

main().catch(e => {
  process.stderr.write(`diff-oracle: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 2;
});
