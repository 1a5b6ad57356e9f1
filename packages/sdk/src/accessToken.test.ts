/** Tokens verified with jose as the server verifies them, and compared with Twilio's own helper's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import twilio from 'twilio';
import { createAccessToken } from './accessToken.js';

const creds = { accountSid: 'AC' + '1'.repeat(32), apiKeySid: 'SK' + '2'.repeat(32), apiKeySecret: 'secret-for-tests' };
const key = new TextEncoder().encode(creds.apiKeySecret);

test("Twilio's header and claims, signed HS256 with the API key secret", async () => {
  const before = Math.floor(Date.now() / 1000);
  const token = await createAccessToken(creds, { identity: 'alice', room: 'demo', ttl: 60 });
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
  const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: creds.apiKeySid, subject: creds.accountSid });
  assert.ok(payload.iat! >= before && payload.iat! <= before + 2);
  assert.equal(payload.exp! - payload.iat!, 60);
  assert.equal(payload.jti, `${creds.apiKeySid}-${payload.iat}`);
  assert.deepEqual(payload.grants, { identity: 'alice', video: { room: 'demo' } });
  await assert.rejects(jwtVerify(token, new TextEncoder().encode('other')), /signature verification failed/);
});

test('no room means any room; ttl defaults to an hour', async () => {
  const { payload } = await jwtVerify(await createAccessToken(creds, { identity: 'bob' }), key);
  assert.deepEqual(payload.grants, { identity: 'bob', video: {} });
  assert.equal(payload.exp! - payload.iat!, 3600);
});

test("same header and claim names as twilio.jwt.AccessToken's", async () => {
  const AccessToken = twilio.jwt.AccessToken;
  const theirs = new AccessToken(creds.accountSid, creds.apiKeySid, creds.apiKeySecret, { identity: 'alice', ttl: 60 });
  theirs.addGrant(new AccessToken.VideoGrant({ room: 'demo' }));
  const twilioJwt = theirs.toJwt();
  const ours = await createAccessToken(creds, { identity: 'alice', room: 'demo', ttl: 60 });
  assert.deepEqual(decodeProtectedHeader(ours), decodeProtectedHeader(twilioJwt));
  const [a, b] = await Promise.all([jwtVerify(ours, key), jwtVerify(twilioJwt, key)]);
  assert.deepEqual(Object.keys(a.payload).sort(), Object.keys(b.payload).sort());
  assert.deepEqual(a.payload.grants, b.payload.grants);
  assert.deepEqual([a.payload.iss, a.payload.sub], [b.payload.iss, b.payload.sub]);
});

test('rejects a missing identity and a bad ttl', async () => {
  await assert.rejects(createAccessToken(creds, { identity: '' }), TypeError);
  await assert.rejects(createAccessToken(creds, { identity: 'a', ttl: 0 }), RangeError);
});
