// A minimal real Backstage backend for stagecrew's tests: auth (guest
// provider), catalog (with the scaffolder entity model, so Template entities
// are accepted), scaffolder (with the GitHub actions), notifications and
// events, on an in-memory SQLite. Go tests start it through
// internal/testenv.Backstage; by hand:
//
//   PORT=7007 BACKSTAGE_TOKEN=some-long-token node index.js
//
// Environment (all optional except as noted):
//   PORT              port to listen on, on 127.0.0.1 (default 7007)
//   BACKSTAGE_TOKEN   static bearer token for external callers, >= 8
//                     non-space characters (default: a fixed test token)
//   STAGECREW_CATALOG_FILE  absolute path of a catalog file to register as
//                     a `file` location (default: catalog-info.yaml here)
//   LOG_LEVEL         Backstage's log level (app-config.yaml says warn)
//   STAGECREW_GUEST_USER  entity ref of the user the guest auth provider
//                     signs in (default user:default/guest); a user token
//                     comes from GET /api/auth/guest/refresh
//   STAGECREW_GITHUB_API_URL, STAGECREW_GITHUB_TOKEN  API base URL and
//                     token of the github.com integration (defaults:
//                     https://api.github.com and a dummy token)
//   STAGECREW_JWKS_URL  when set, external callers may also present JWTs
//                     signed by a key of this JWKS (app-config.jwks.yaml):
//     STAGECREW_JWKS_ISSUER          required iss (default: the URL's origin)
//     STAGECREW_JWKS_AUDIENCE        required aud (default stagecrew-backstage;
//                                    not "backstage": see app-config.jwks.yaml)
//     STAGECREW_JWKS_SUBJECT_PREFIX  callers become external:PREFIX:SUB
//                                    (default github)
//   STAGECREW_GHA_URL  when set, external callers may also present GitHub
//                     Actions OIDC tokens signed by a key of this JWKS, checked
//                     by examples/backstage/github-actions-token-handler.js
//                     (an externalAccess entry of type github-actions,
//                     app-config.ghactions.yaml; not together with
//                     STAGECREW_JWKS_URL). Lists are comma-separated:
//     STAGECREW_GHA_ISSUER          iss (default: the URL's origin)
//     STAGECREW_GHA_AUDIENCE        aud (default stagecrew-backstage)
//     STAGECREW_GHA_SUBJECT_PREFIX  (default github-actions)
//     STAGECREW_GHA_REPOSITORY_OWNER_IDS, STAGECREW_GHA_REPOSITORY_OWNERS
//                                   (one of them required),
//     STAGECREW_GHA_REPOSITORIES, STAGECREW_GHA_ENVIRONMENTS,
//     STAGECREW_GHA_WORKFLOW_REFS, STAGECREW_GHA_JOB_WORKFLOW_REFS  optional
//                                   restrictions; unset means none
//   STAGECREW_EXIT_ON_STDIN_EOF=1  exit when standard input closes: a Go
//                     test binary that starts this with a pipe on stdin
//                     takes the server down with it however it ends.
'use strict';

const path = require('node:path');

process.env.PORT ??= '7007';
process.env.BACKSTAGE_TOKEN ??= 'stagecrew-local-test-token';
process.env.STAGECREW_CATALOG_FILE ??= path.join(__dirname, 'catalog-info.yaml');
process.env.STAGECREW_GUEST_USER ??= 'user:default/guest';
process.env.STAGECREW_GITHUB_API_URL ??= 'https://api.github.com';
process.env.STAGECREW_GITHUB_TOKEN ??= 'ghp_stagecrewDummyTokenNotReal000000000000';
// app-config.yaml is found relative to the working directory.
process.chdir(__dirname);

if (process.env.STAGECREW_JWKS_URL) {
  process.env.STAGECREW_JWKS_ISSUER ??= new URL(process.env.STAGECREW_JWKS_URL).origin;
  process.env.STAGECREW_JWKS_AUDIENCE ??= 'stagecrew-backstage';
  process.env.STAGECREW_JWKS_SUBJECT_PREFIX ??= 'github';
  // Backstage reads the config files named by --config arguments instead of
  // the default app-config.yaml; later files override earlier ones.
  for (const file of ['app-config.yaml', 'app-config.jwks.yaml']) {
    process.argv.push('--config', path.join(__dirname, file));
  }
}

if (process.env.STAGECREW_GHA_URL) {
  if (process.env.STAGECREW_JWKS_URL) {
    // Lists do not merge across config files: each file repeats the whole
    // externalAccess list, so only one of them can be added.
    console.error('stagecrew-backstage: set STAGECREW_JWKS_URL or STAGECREW_GHA_URL, not both');
    process.exit(1);
  }
  process.env.STAGECREW_GHA_ISSUER ??= new URL(process.env.STAGECREW_GHA_URL).origin;
  process.env.STAGECREW_GHA_AUDIENCE ??= 'stagecrew-backstage';
  process.env.STAGECREW_GHA_SUBJECT_PREFIX ??= 'github-actions';
  for (const file of ['app-config.yaml', 'app-config.ghactions.yaml']) {
    process.argv.push('--config', path.join(__dirname, file));
  }
}

if (process.env.STAGECREW_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

const { createBackend } = require('@backstage/backend-defaults');

// requireAsOurs loads a module from outside this folder, such as the
// examples users copy into their backend, as it stands, but resolving its
// requires from here (test/backstage/node_modules), as it would from a
// backend package's own folder. (Module._nodeModulePaths and _compile are
// long-standing but undocumented Node internals.)
function requireAsOurs(file) {
  const Module = require('node:module');
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(__dirname);
  m._compile(require('node:fs').readFileSync(file, 'utf8'), file);
  m.loaded = true;
  return m.exports;
}

const backend = createBackend();
// The type github-actions external token handler of stagecrew's example,
// always added: it only does something for an externalAccess entry of that
// type (app-config.ghactions.yaml).
backend.add(requireAsOurs(path.join(__dirname, '..', '..', 'examples', 'backstage', 'github-actions-token-handler.js')));
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-events-backend'));
backend.start().catch(err => {
  console.error('stagecrew-backstage: start failed:', err);
  process.exit(1);
});
