#!/usr/bin/env node
'use strict';
// jose-sign.js: tokens signed by jose (panva/jose, the JOSE library Backstage
// verifies external JWTs with), for testing a verifier against an
// implementation other than its own.
//
// stdin:  JSON {"kid": "<kid of the published RSA key>",
//               "tokens": {"<name>": {"alg": "RS256" | "PS256" | "ES256" | "HS256" | "none",
//                                      "claims": {...},
//                                      "header": {...},   // merged into the protected
//                                                         // header; null deletes a member
//                                      "key": "other",    // RS256/PS256: sign with a second
//                                                         // RSA key, not published
//                                      "secret": "pem" | "jwk"}}}
//                                                         // HS256: the HMAC secret is the
//                                                         // published public key's bytes,
//                                                         // as SPKI PEM (default) or its JWK
//                                                         // JSON: the RS256/HS256 confusion
// stdout: JSON {"jwks": {"keys": [...]}, "tokens": {"<name>": "<compact JWS>"}}
//         The key set holds the RSA key (kid, "alg": "RS256", "use": "sig")
//         and a P-256 key (kid "ec-1", "alg": "ES256"), which ES256 tokens
//         are signed with. Every header gets "typ": "JWT" and the RSA kid
//         unless "header" says otherwise. "none" tokens are put together by
//         hand (header.payload. with an empty signature): jose will not
//         produce them through SignJWT.
// exit:   0 on success; 2 on bad input, with the reason on stderr.
//
// Keys are generated afresh on every run (RSA 2048, P-256) with jose's
// generateKeyPair.

const jose = require('jose');

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', c => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj), 'utf8').toString('base64url');
}

function fail(msg) {
  process.stderr.write('jose-sign: ' + msg + '\n');
  process.exit(2);
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (e) {
    fail('stdin is not JSON: ' + e.message);
  }
  if (!input || typeof input.kid !== 'string' || typeof input.tokens !== 'object' || input.tokens === null) {
    fail('want {"kid": string, "tokens": {name: spec}}');
  }

  const rsa = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const other = await jose.generateKeyPair('RS256', { modulusLength: 2048 });
  const ec = await jose.generateKeyPair('ES256', { extractable: true });

  const rsaJWK = { ...(await jose.exportJWK(rsa.publicKey)), kid: input.kid, alg: 'RS256', use: 'sig' };
  const ecJWK = { ...(await jose.exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
  const pem = await jose.exportSPKI(rsa.publicKey);
  const enc = new TextEncoder();

  const tokens = {};
  for (const [name, spec] of Object.entries(input.tokens)) {
    const alg = spec.alg || 'RS256';
    const header = { alg, typ: 'JWT', kid: alg === 'ES256' ? 'ec-1' : input.kid };
    for (const [k, v] of Object.entries(spec.header || {})) {
      if (v === null) delete header[k];
      else header[k] = v;
    }
    header.alg = alg;
    const claims = spec.claims || {};

    if (alg === 'none') {
      tokens[name] = b64url(header) + '.' + b64url(claims) + '.';
      continue;
    }
    let key;
    switch (alg) {
      case 'RS256':
      case 'PS256':
        key = spec.key === 'other' ? other.privateKey : rsa.privateKey;
        break;
      case 'ES256':
        key = ec.privateKey;
        break;
      case 'HS256':
        key = enc.encode(spec.secret === 'jwk' ? JSON.stringify(rsaJWK) : pem);
        break;
      default:
        fail(`token ${JSON.stringify(name)}: unsupported alg ${JSON.stringify(alg)}`);
    }
    tokens[name] = await new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
  }
  process.stdout.write(JSON.stringify({ jwks: { keys: [rsaJWK, ecJWK] }, tokens }) + '\n');
}

main().catch(e => fail(e.stack || String(e)));
