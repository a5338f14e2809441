'use strict';
// The catalog pipeline that Backstage applies to a catalog file, shared by
// catalog-oracle.js and catalog-bench.js:
//
//   parseCatalogYaml   - what plugin-catalog-node's parseEntityYaml does with
//                        the file's text (one result per non-empty document);
//   makeEntityChecker  - what the catalog's processing output collector does
//                        with an emitted entity (falsy annotations become {},
//                        the location annotations are set), then the default
//                        entity policies of @backstage/catalog-model followed
//                        by the built-in kind validators and the scaffolder's
//                        Template v1beta3 validator.
//
// Every instance (policies, validators, their Ajv schemas) is built once by
// makeEntityChecker and reused for every entity.

const yaml = require('yaml');
const lodash = require('lodash');
const cm = require('@backstage/catalog-model');
const { templateEntityV1beta3Validator } = require('@backstage/plugin-scaffolder-common');

function message(e) {
  if (e && typeof e === 'object' && typeof e.message === 'string') return e.message;
  return String(e);
}

// parseCatalogYaml returns one element per document that Backstage would
// report on: {kind:'error', error, line?} or {kind:'entity', entity} or
// {kind:'error', error, entity} for a non-object root. Documents whose JSON is
// null (empty documents, a trailing ---) are skipped, as Backstage does.
function parseCatalogYaml(text) {
  let documents;
  try {
    documents = yaml.parseAllDocuments(text, { merge: false }).filter(d => d);
  } catch (e) {
    return [{ kind: 'error', error: `Failed to parse YAML: ${message(e)}`, entity: null }];
  }
  const out = [];
  for (const document of documents) {
    if (document.errors && document.errors.length) {
      const err = document.errors[0];
      const r = { kind: 'error', error: `YAML error: ${err.message}`, entity: null };
      const line = err.linePos?.[0]?.line;
      if (line !== undefined) r.line = line;
      out.push(r);
      continue;
    }
    let json;
    try {
      json = document.toJSON();
    } catch (e) {
      out.push({ kind: 'error', error: `YAML error: ${message(e)}`, entity: null });
      continue;
    }
    if (json === null) continue;
    if (!lodash.isPlainObject(json)) {
      out.push({ kind: 'error', error: `Expected object at root, got ${typeof json}`, entity: json });
      continue;
    }
    out.push({ kind: 'entity', entity: json });
  }
  return out;
}

// makeEntityChecker returns async check(entity) -> {valid, error?}.
function makeEntityChecker() {
  const policy = cm.EntityPolicies.allOf([
    new cm.SchemaValidEntityPolicy(),
    new cm.DefaultNamespaceEntityPolicy(),
    new cm.NoForeignRootFieldsEntityPolicy(),
    new cm.FieldFormatEntityPolicy(),
  ]);
  const validators = [
    cm.apiEntityV1alpha1Validator,
    cm.componentEntityV1alpha1Validator,
    cm.domainEntityV1alpha1Validator,
    cm.groupEntityV1alpha1Validator,
    cm.locationEntityV1alpha1Validator,
    cm.resourceEntityV1alpha1Validator,
    cm.systemEntityV1alpha1Validator,
    cm.userEntityV1alpha1Validator,
    templateEntityV1beta3Validator,
  ];
  for (const v of validators) {
    if (!v || typeof v.check !== 'function') {
      throw new Error('a kind validator is missing from the installed Backstage packages');
    }
  }
  return async function check(entity) {
    // What the catalog's ProcessorOutputCollector does with an entity a
    // file emits, before processing it: a falsy metadata.annotations
    // becomes {}, anything else that is not an object is refused, and the
    // location annotations are set.
    if (lodash.isPlainObject(entity) && lodash.isPlainObject(entity.metadata)) {
      const annotations = entity.metadata.annotations || {};
      if (typeof annotations !== 'object' || Array.isArray(annotations)) {
        return { valid: false, error: 'metadata.annotations must be a valid object' };
      }
      entity = {
        ...entity,
        metadata: {
          ...entity.metadata,
          annotations: {
            ...annotations,
            'backstage.io/managed-by-origin-location': 'url:https://example.com/catalog-info.yaml',
            'backstage.io/managed-by-location': 'url:https://example.com/catalog-info.yaml',
          },
        },
      };
    }
    let enforced;
    try {
      // The catalog validates kinds on the entity the policies return
      // (DefaultNamespaceEntityPolicy fills in metadata.namespace).
      enforced = await policy.enforce(entity);
    } catch (e) {
      return { valid: false, error: message(e) };
    }
    for (const v of validators) {
      try {
        if (await v.check(enforced)) return { valid: true };
      } catch (e) {
        return { valid: false, error: message(e) };
      }
    }
    return { valid: false, error: 'unknown kind' };
  };
}

module.exports = { parseCatalogYaml, makeEntityChecker };
