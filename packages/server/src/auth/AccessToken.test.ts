import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { newSid, PlazaError } from '@plaza/protocol';
import { createAccessToken, verifyAccessToken } from './AccessToken.js';
import type { Credentials } from './Credentials.js';

const creds: Credentials = { accountSid: newSid('AC'), apiKeySid: newSid('SK'), apiKeySecret: 'secret-for-tests', authToken: 'token-for-tests' };

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PlazaError, `expected PlazaError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a rejection');
}

function sign(claims: Record<string, unknown>, secret = creds.apiKeySecret, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', cty: 'twilio-fpa;v=1' }).sign(new TextEncoder().encode(secret));
}

test('a minted token has Twilio\'s header and claims and verifies', async () => {
  const token = await createAccessToken(creds, { identity: 'alice', room: 'demo', ttl: 60 });
  const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
  assert.equal(payload.iss, creds.apiKeySid);
  assert.equal(payload.sub, creds.accountSid);
  assert.match(payload.jti, new RegExp(`^${creds.apiKeySid}-\\d+$`));
  assert.equal(payload.exp - payload.iat, 60);
  assert.deepEqual(payload.grants, { identity: 'alice', video: { room: 'demo' } });
  assert.deepEqual(await verifyAccessToken(token, creds), { identity: 'alice', room: 'demo' });
});

test('a token without a room grant admits any room', async () => {
  const token = await createAccessToken(creds, { identity: 'bob' });
  assert.deepEqual(await verifyAccessToken(token, creds), { identity: 'bob', room: null });
});

test('each bad token maps to its Twilio code', async () => {
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: creds.apiKeySid, sub: creds.accountSid, grants: { identity: 'a', video: {} } };
  assert.equal(await codeOf(verifyAccessToken('garbage', creds)), 20101);
  assert.equal(await codeOf(verifyAccessToken(await sign({ ...base, exp: now - 10 }), creds)), 20104);
  assert.equal(await codeOf(verifyAccessToken(await sign({ ...base, exp: now + 60, nbf: now + 30 }), creds)), 20105);
  assert.equal(await codeOf(verifyAccessToken(await sign({ ...base, exp: now + 60 }, 'wrong-secret'), creds)), 20107);
  assert.equal(await codeOf(verifyAccessToken(await sign({ ...base, iss: newSid('SK'), exp: now + 60 }), creds)), 20103);
  assert.equal(await codeOf(verifyAccessToken(await sign({ ...base, exp: now + 60, grants: { identity: 'a' } }), creds)), 20106);
  assert.equal(await codeOf(verifyAccessToken(await sign({ ...base, exp: now + 60 }, creds.apiKeySecret, 'HS512'), creds)), 20102);
});
