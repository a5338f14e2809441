// simulate.js: an IAM policy evaluator for stagecrew's tests.
//
// Reads one JSON request a line on stdin, answers one JSON line on stdout,
// in order, until stdin closes. A request:
//
//   {"id": 1, "principal": "arn:aws:sts::123456789012:assumed-role/R/S",
//    "action": "ecs:UpdateService", "resource": "arn:aws:ecs:...", "account": "123456789012",
//    "context": {"ecs:cluster": "arn:aws:ecs:..."},
//    "identityPolicies": [{"name": "stagecrew", "policy": {...}}],
//    "resourcePolicy": {...}, "trust": false}
//
// The answer: {"id": 1, "result": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied",
// "allowedBy": [Sid...], "ignoredContextKeys": [...]} or {"id": 1, "error": "..."}.
//
// Requests are decided by @cloud-copilot/iam-simulate's runSimulation, which
// also checks them against the Service Authorization Reference (the action
// exists, the resource ARN is of a resource type the action takes, the
// context keys are ones the action or resource type has) and reports keys
// it ignored: the Go side fails on any.
//
// "trust": true decides a role trust policy (the resourcePolicy, no identity
// policies) for sts:AssumeRoleWithWebIdentity. The Service Authorization
// Reference lists GitHub's extra claim keys (token.actions.githubusercontent.com:
// repository, environment, ...) for that action but not the provider-generic
// :sub and :aud that IAM's OIDC federation documents and every GitHub trust
// policy uses, so runSimulation would ignore them. For trust requests the
// same engine (CoreSimulatorEngine.authorize, as runUnsafeSimulation calls it)
// runs without that key filter; everything else about the evaluation is the
// library's.
'use strict'
const path = require('path')
const readline = require('readline')
const sim = require('@cloud-copilot/iam-simulate')
const { loadPolicy } = require('@cloud-copilot/iam-policy')

// The engine entry points below the package's public exports, by absolute
// path (the package's "exports" map hides them from a bare deep require).
const dist = path.join(path.dirname(require.resolve('@cloud-copilot/iam-simulate')))
const { authorize } = require(path.join(dist, 'core_engine', 'CoreSimulatorEngine.js'))
const { AwsRequestImpl } = require(path.join(dist, 'request', 'request.js'))
const { RequestContextImpl } = require(path.join(dist, 'requestContext.js'))
const { DiscoveryContextKeyConstraints } = require(path.join(dist, 'context_keys', 'discoveryContextKeyConstraints.js'))

function statementIds(analysis) {
  const ids = []
  for (const a of [analysis?.identityAnalysis, analysis?.resourceAnalysis]) {
    for (const s of a?.allowStatements ?? []) ids.push(s.statement?.Sid ?? s.explain?.identifier ?? '')
  }
  return ids
}

async function decide(req) {
  if (req.trust) {
    const request = new AwsRequestImpl(req.principal, { resource: req.resource, accountId: req.account },
      req.action, new RequestContextImpl(req.context ?? {}))
    const analysis = authorize({
      request,
      sessionPolicy: undefined,
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: loadPolicy(req.resourcePolicy, { name: 'TrustPolicy' }),
      permissionBoundaries: undefined,
      vpcEndpointPolicies: undefined,
      simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
      serviceSettings: { s3: {} }
    })
    return { result: analysis.result, allowedBy: statementIds(analysis) }
  }
  const out = await sim.runSimulation({
    identityPolicies: req.identityPolicies ?? [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: req.resourcePolicy,
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.account },
      contextVariables: req.context ?? {}
    }
  }, {})
  if (out.resultType === 'error') {
    return { error: JSON.stringify(out.errors) }
  }
  if (out.resultType === 'wildcard') {
    const ignored = new Set()
    const allowedBy = []
    for (const r of out.results) {
      for (const k of r.ignoredContextKeys ?? []) ignored.add(k)
      allowedBy.push(...statementIds(r.analysis))
    }
    return { result: out.overallResult, allowedBy, ignoredContextKeys: [...ignored] }
  }
  return { result: out.overallResult, allowedBy: statementIds(out.result.analysis), ignoredContextKeys: out.result.ignoredContextKeys ?? [] }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
let chain = Promise.resolve()
rl.on('line', (line) => {
  if (!line.trim()) return
  chain = chain.then(async () => {
    let req
    try {
      req = JSON.parse(line)
      const answer = await decide(req)
      process.stdout.write(JSON.stringify({ id: req.id, ...answer }) + '\n')
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: req?.id, error: String(e && e.stack || e) }) + '\n')
    }
  })
})
rl.on('close', () => { chain.then(() => process.exit(0)) })
process.stdout.write(JSON.stringify({ ready: true }) + '\n')
