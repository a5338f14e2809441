// A Backstage external token handler, `type: github-actions`, that admits
// GitHub Actions OIDC tokens of YOUR organisation's workflows only.
//
// Why: the built-in `type: jwks` handler checks a token's signature, issuer,
// audience and algorithm, nothing else. Any workflow of any repository on
// github.com can ask GitHub for a token with any audience, so a jwks entry
// for https://token.actions.githubusercontent.com lets the whole world in.
// This handler verifies the same way (with the same `jose` library) and then
// also requires the token's repository owner to be on an allow-list, and
// optionally its repository, deployment environment and workflow.
//
// Requires @backstage/backend-defaults >= 0.13 (externalTokenHandlersServiceRef;
// tried with 0.18.0). Copy this file into your backend package and add it
// before backend.start():
//
//   const backend = createBackend();
//   backend.add(require('./github-actions-token-handler'));
//   // ... your plugins ...
//   backend.start();
//
// `backend.add(import('./github-actions-token-handler'))` works as well.
// It must be added with backend.add as a *service factory* (below), not as a
// backend module: Backstage builds each plugin's auth service, and with it
// the list of external token handlers, before any module's init runs.
// (In a TypeScript backend, rename the file to .ts and turn the requires into
// imports if your build does not take .js files; not tried here.)
//
// Then, in app-config.yaml:
//
//   backend:
//     auth:
//       externalAccess:
//         - type: github-actions
//           options:
//             audience: stagecrew-backstage     # required
//             repositoryOwnerIds: ['12345678']  # your organisation's ID (see below)
//             repositoryOwners: [acme]          # and/or its login
//             repositories: [acme/payments, acme/orders]  # optional
//             environments: [production, staging]         # optional
//             jobWorkflowRefs:                            # optional
//               - acme/deploy-workflows/.github/workflows/deploy.yml@refs/heads/main
//             subjectPrefix: github-actions
//           accessRestrictions:
//             - plugin: catalog
//             - plugin: scaffolder
//
// Options (a list may also be written as one comma-separated string, so that
// it can come from an environment variable, `${ORG_IDS}`):
//
//   audience           required; the `aud` the workflow asked for. Never
//                      exactly "backstage": Backstage takes such a token for
//                      one of its own user tokens and refuses it first.
//   issuer             default https://token.actions.githubusercontent.com;
//                      with GitHub Enterprise Cloud's unique issuer,
//                      https://token.actions.githubusercontent.com/<slug>.
//   url                the JWKS; default <issuer>/.well-known/jwks.
//   algorithm          default RS256.
//   subjectPrefix      the caller becomes the service principal
//                      external:<subjectPrefix>:<sub>, e.g.
//                      external:github-actions:repo:acme/orders:environment:production
//                      (without a prefix, external:<sub>, as `type: jwks` does).
//   repositoryOwnerIds the `repository_owner_id` claims allowed: numeric IDs
//                      of users or organisations. PREFER THESE. A login can
//                      change: when an organisation is renamed or deleted its
//                      old login becomes free, and whoever registers it next
//                      gets tokens with repository_owner set to that login,
//                      but a new ID. Find the ID with
//                      `gh api orgs/ORG --jq .id` (or users/LOGIN).
//   repositoryOwners   the `repository_owner` logins allowed (compared
//                      without regard to case).
//                      At least one of repositoryOwnerIds and
//                      repositoryOwners is required; with both, a token must
//                      match both.
//   repositories       optional; OWNER/REPO names (the `repository` claim,
//                      compared without regard to case).
//   environments       optional; the job's deployment environment (the
//                      `environment` claim, compared without regard to case).
//                      A job without an environment is then refused.
//   workflowRefs       optional; the `workflow_ref` claim (the workflow the
//                      run started), such as
//                      acme/orders/.github/workflows/deploy.yml@refs/heads/main.
//   jobWorkflowRefs    optional; the `job_workflow_ref` claim (the reusable
//                      workflow the job runs; for a job of the run's own
//                      workflow the same as workflow_ref). Use this to admit
//                      only your central deploy workflow.
//                      Each entry of these two is a whole ref, or a prefix
//                      when it ends in "@" or "/", such as
//                      acme/deploy-workflows/.github/workflows/deploy.yml@
//                      (any ref of that file). Compared as written: copy the
//                      spelling from a token.
//
// Every option given must hold (and within one option any entry may match).
// An unknown option name stops the backend at startup, so a misspelt
// restriction cannot silently go unenforced. The handler reads the
// dedicated claims, never `sub`, which organisations can customise.
//
// A token that does not verify (wrong signature, issuer, audience, expired)
// is passed over silently, as the built-in handlers do; a valid GitHub token
// that misses a restriction is refused with a warning in the log naming the
// repository and the reason (never the token). Either way the next
// externalAccess entry gets its turn, and the caller gets 401 if none takes
// the token. accessRestrictions apply as for any entry.
'use strict';

const { createRequire } = require('node:module');

// Take jose and backend-plugin-api from where backend-defaults itself gets
// them: the very versions its own jwks handler uses, and nothing to add to
// your package.json (or to hoist) for them.
const requireLikeBackendDefaults = createRequire(require.resolve('@backstage/backend-defaults'));
const jose = requireLikeBackendDefaults('jose');
const { coreServices, createServiceFactory } = requireLikeBackendDefaults('@backstage/backend-plugin-api');
const {
  createExternalTokenHandler,
  externalTokenHandlersServiceRef,
} = require('@backstage/backend-defaults/auth');

const TYPE = 'github-actions';
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

const OPTION_NAMES = [
  'url', 'issuer', 'audience', 'algorithm', 'subjectPrefix',
  'repositoryOwners', 'repositoryOwnerIds', 'repositories', 'environments',
  'workflowRefs', 'jobWorkflowRefs',
];

// readList reads a list option: a YAML list, or one string split on commas
// (and, unless keepSpaces, on whitespace). Empty entries are dropped; an
// empty list is the same as no option. Numbers are taken as their decimal
// text, since YAML reads an unquoted 12345678 as one.
function readList(options, key, { keepSpaces = false } = {}) {
  const raw = options.getOptional(key);
  if (raw === undefined || raw === null) {
    return undefined;
  }
  const items = Array.isArray(raw) ? raw : [raw];
  const values = [];
  for (const item of items) {
    if (typeof item === 'number' && Number.isSafeInteger(item)) {
      values.push(String(item));
    } else if (typeof item === 'string') {
      const parts = Array.isArray(raw) ? [item] : item.split(keepSpaces ? /,/ : /[\s,]+/);
      values.push(...parts.map(p => p.trim()).filter(Boolean));
    } else {
      throw new Error(`${TYPE} token handler: option '${key}' must be a string or a list of strings, not ${JSON.stringify(item)}`);
    }
  }
  return values.length ? [...new Set(values)] : undefined;
}

// readRefs reads workflowRefs or jobWorkflowRefs into matchers.
function readRefs(options, key) {
  const refs = readList(options, key);
  if (!refs) {
    return undefined;
  }
  for (const ref of refs) {
    if (!/^[^/\s]+\/[^/\s]+\//.test(ref)) {
      throw new Error(`${TYPE} token handler: '${ref}' in '${key}' is not OWNER/REPO/PATH@REF or a prefix of one ending in '@' or '/'`);
    }
  }
  return refs;
}

// refMatches says whether claim is one of refs: equal to an entry, or
// starting with an entry that ends in "@" or "/" (so that "acme/pay" can
// never admit "acme/payments-evil/...").
function refMatches(refs, claim) {
  return refs.some(ref => claim === ref || ((ref.endsWith('@') || ref.endsWith('/')) && claim.startsWith(ref)));
}

// initialize reads and checks one externalAccess entry's options. It throws,
// which stops the backend, on anything that would leave the entry open to
// the world or not doing what it says.
function initialize(options, jwksCache) {
  for (const key of options.keys()) {
    if (!OPTION_NAMES.includes(key)) {
      throw new Error(`${TYPE} token handler: unknown option '${key}', expected one of ${OPTION_NAMES.join(', ')}`);
    }
  }
  const issuers = readList(options, 'issuer') ?? [GITHUB_ISSUER];
  const audiences = readList(options, 'audience');
  if (!audiences) {
    throw new Error(`${TYPE} token handler: option 'audience' is required (the audience your workflows ask GitHub for)`);
  }
  const algorithms = readList(options, 'algorithm') ?? ['RS256'];
  const urlOption = options.getOptionalString('url');
  if (!urlOption && issuers.length > 1) {
    throw new Error(`${TYPE} token handler: option 'url' is required with more than one issuer`);
  }
  const url = new URL(urlOption ?? `${issuers[0].replace(/\/+$/, '')}/.well-known/jwks`);

  const ownerIds = readList(options, 'repositoryOwnerIds');
  const owners = readList(options, 'repositoryOwners')?.map(o => o.toLowerCase());
  if (!ownerIds && !owners) {
    throw new Error(`${TYPE} token handler: option 'repositoryOwnerIds' or 'repositoryOwners' is required; without it any repository on GitHub gets in`);
  }
  for (const id of ownerIds ?? []) {
    if (!/^[1-9][0-9]*$/.test(id)) {
      throw new Error(`${TYPE} token handler: '${id}' in 'repositoryOwnerIds' is not a numeric owner ID (logins go in 'repositoryOwners')`);
    }
  }
  const repositories = readList(options, 'repositories')?.map(r => r.toLowerCase());
  for (const repo of repositories ?? []) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(repo)) {
      throw new Error(`${TYPE} token handler: '${repo}' in 'repositories' is not OWNER/REPO`);
    }
  }

  // One remote key set per JWKS URL for the whole backend: every plugin
  // builds its own auth service from the same entries.
  let jwks = jwksCache.get(url.href);
  if (!jwks) {
    jwks = jose.createRemoteJWKSet(url);
    jwksCache.set(url.href, jwks);
  }
  return {
    jwks,
    verifyOptions: { issuer: issuers, audience: audiences, algorithms },
    subjectPrefix: options.getOptionalString('subjectPrefix'),
    restrictions: {
      ownerIds,
      owners,
      repositories,
      environments: readList(options, 'environments', { keepSpaces: true })?.map(e => e.toLowerCase()),
      workflowRefs: readRefs(options, 'workflowRefs'),
      jobWorkflowRefs: readRefs(options, 'jobWorkflowRefs'),
    },
  };
}

// refusal returns why a verified token's claims miss the restrictions, or
// undefined when they meet them all.
function refusal(claims, r) {
  const str = name => (typeof claims[name] === 'string' ? claims[name] : undefined);
  const lower = name => str(name)?.toLowerCase();
  if (!str('sub')) {
    return 'it has no sub claim';
  }
  if (r.ownerIds && !r.ownerIds.includes(str('repository_owner_id'))) {
    return `repository_owner_id ${JSON.stringify(claims.repository_owner_id)} is not in repositoryOwnerIds`;
  }
  if (r.owners && !r.owners.includes(lower('repository_owner'))) {
    return `repository_owner ${JSON.stringify(claims.repository_owner)} is not in repositoryOwners`;
  }
  if (r.repositories && !r.repositories.includes(lower('repository'))) {
    return 'its repository is not in repositories';
  }
  if (r.environments && !r.environments.includes(lower('environment'))) {
    return `environment ${JSON.stringify(claims.environment ?? null)} is not in environments`;
  }
  if (r.workflowRefs && !(str('workflow_ref') && refMatches(r.workflowRefs, str('workflow_ref')))) {
    return `workflow_ref ${JSON.stringify(claims.workflow_ref ?? null)} is not in workflowRefs`;
  }
  if (r.jobWorkflowRefs && !(str('job_workflow_ref') && refMatches(r.jobWorkflowRefs, str('job_workflow_ref')))) {
    return `job_workflow_ref ${JSON.stringify(claims.job_workflow_ref ?? null)} is not in jobWorkflowRefs`;
  }
  return undefined;
}

// createGitHubActionsTokenHandler returns the handler. logger (optional)
// receives a warning for each refused GitHub token; jwksCache (a Map, URL →
// key set) may be shared between handlers.
function createGitHubActionsTokenHandler({ logger, jwksCache = new Map() } = {}) {
  return createExternalTokenHandler({
    type: TYPE,
    initialize({ options }) {
      return initialize(options, jwksCache);
    },
    async verifyToken(token, ctx) {
      let claims;
      try {
        ({ payload: claims } = await jose.jwtVerify(token, ctx.jwks, ctx.verifyOptions));
      } catch {
        // Not a valid token of this issuer for this audience: perhaps another
        // entry's. Backstage answers 401 if no entry takes it.
        return undefined;
      }
      const why = refusal(claims, ctx.restrictions);
      if (why) {
        logger?.warn(
          `Refused a GitHub Actions token of repository ${JSON.stringify(claims.repository ?? null)} ` +
          `(owner ${JSON.stringify(claims.repository_owner ?? null)}, id ${JSON.stringify(claims.repository_owner_id ?? null)}): ${why}`,
        );
        return undefined;
      }
      const prefix = ctx.subjectPrefix ? `external:${ctx.subjectPrefix}:` : 'external:';
      return { subject: `${prefix}${claims.sub}` };
    },
  });
}

// The service factory to backend.add: it adds the handler to the multiton
// externalTokenHandlersServiceRef, once per plugin, with that plugin's
// logger; the root context is the backend-wide JWKS cache.
const githubActionsTokenHandlerServiceFactory = createServiceFactory({
  service: externalTokenHandlersServiceRef,
  deps: { logger: coreServices.logger },
  createRootContext() {
    return new Map();
  },
  factory({ logger }, jwksCache) {
    return createGitHubActionsTokenHandler({ logger, jwksCache });
  },
});

// backend.add unwraps `default`, so backend.add(require(...)) and
// backend.add(import(...)) both add the service factory.
module.exports = {
  default: githubActionsTokenHandlerServiceFactory,
  githubActionsTokenHandlerServiceFactory,
  createGitHubActionsTokenHandler,
};
