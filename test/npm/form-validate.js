#!/usr/bin/env node
'use strict';
// form-validate.js: a Backstage template form page's verdict on form data,
// as the scaffolder's form gives it.
//
// stdin:  JSON [{"id": "...", "schema": <one entry of spec.parameters>,
//                "data": <the form data>}, ...]
// stdout: JSON [{"id": "...", "valid": bool, "errors": [<Ajv error>, ...],
//                "warnings": ["...", ...]}, ...] in the order of the cases.
//         "warnings" holds what Ajv logged while compiling the page (for
//         example an unknown format, which it then ignores): a page that
//         warns is not checked the way the form checks it.
// exit:   0 when every case was judged; 2 on bad input or a page that does
//         not compile, with the reason on stderr.
//
// How Backstage does it (plugin-scaffolder-react's Stepper): each page is
// a react-jsonschema-form whose validator is @rjsf/validator-ajv8's. The
// page's ui:* keys are moved into the uiSchema first (extractSchemaFromStep),
// so Ajv sees the schema without them; the form data is the whole form's
// state, every page's fields together. validator-ajv8 builds Ajv 8 with
// AJV_CONFIG {allErrors: true, multipleOfPrecision: 8, strict: false,
// verbose: true}, adds ajv-formats, the formats data-url and color, and the
// keywords __additional_property and __rjsf_additionalProperties. All of
// that is done here except ajv-formats, which test/npm does not install:
// a standard format keyword shows up in "warnings" instead.

const Ajv = require('ajv');

// From @rjsf/validator-ajv8's createAjvInstance.
const COLOR_FORMAT_REGEX =
  /^(#?([0-9A-Fa-f]{3}){1,2}\b|aqua|black|blue|fuchsia|gray|green|lime|maroon|navy|olive|orange|purple|red|silver|teal|white|yellow|(rgb\(\s*\b([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\b\s*,\s*\b([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\b\s*,\s*\b([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\b\s*\))|(rgb\(\s*(\d?\d%|100%)+\s*,\s*(\d?\d%|100%)+\s*,\s*(\d?\d%|100%)+\s*\)))$/;
const DATA_URL_FORMAT_REGEX = /^data:([a-z]+\/[a-z0-9-+.]+)?;(?:name=(.*);)?base64,(.*)$/;

// withoutUI returns schema without its ui:* keys, at every depth, as
// Backstage's extractSchemaFromStep leaves it for the validator.
function withoutUI(schema) {
  if (Array.isArray(schema)) return schema.map(withoutUI);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (!k.startsWith('ui:')) out[k] = withoutUI(v);
  }
  return out;
}

function newAjv(warnings) {
  const ajv = new Ajv({
    allErrors: true,
    multipleOfPrecision: 8,
    strict: false,
    verbose: true,
    logger: {
      log: () => {},
      warn: (...args) => warnings.push(args.join(' ')),
      error: (...args) => warnings.push(args.join(' ')),
    },
  });
  ajv.addFormat('data-url', DATA_URL_FORMAT_REGEX);
  ajv.addFormat('color', COLOR_FORMAT_REGEX);
  ajv.addKeyword('__additional_property');
  ajv.addKeyword('__rjsf_additionalProperties');
  return ajv;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', c => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function main() {
  let cases;
  try {
    cases = JSON.parse(await readStdin());
  } catch (e) {
    throw new Error(`stdin is not JSON: ${e.message}`);
  }
  if (!Array.isArray(cases)) throw new Error('stdin must be an array of {id, schema, data}');
  // One Ajv and one compiled validator per distinct page, as a page of the
  // form compiles its own schema; its warnings go with each of its cases.
  const pages = new Map();
  const results = cases.map((c, i) => {
    if (!c || typeof c.schema !== 'object' || c.schema === null) {
      throw new Error(`case ${i} (${c && c.id}): schema must be an object`);
    }
    const key = JSON.stringify(c.schema);
    if (!pages.has(key)) {
      const warnings = [];
      try {
        pages.set(key, { validate: newAjv(warnings).compile(withoutUI(c.schema)), warnings });
      } catch (e) {
        throw new Error(`case ${c.id}: the page does not compile: ${e.message}`);
      }
    }
    const { validate, warnings } = pages.get(key);
    const valid = validate(c.data);
    const errors = valid
      ? []
      : validate.errors.map(({ instancePath, keyword, message, params }) => ({ instancePath, keyword, message, params }));
    return { id: c.id, valid, errors, warnings };
  });
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch(e => {
  process.stderr.write(`form-validate: ${e.stack || e}\n`);
  process.exit(2);
});
