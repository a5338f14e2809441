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

if (process.env.STAGECREW_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
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
