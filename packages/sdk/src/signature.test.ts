/**
 * Judged by Twilio's own helper (`twilio` devDependency at the root): the fixed vectors were computed
 * with `twilio.getExpectedTwilioSignature`, and every case is also checked against it live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { signCallback, validateCallbackSignature } from './signature.js';

const AUTH_TOKEN = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const URL_ = 'https://app.example.com/plaza/callbacks?tenant=acme';
const EVENT = {
  AccountSid: 'AC' + '0'.repeat(32),
  RoomName: 'daily standup',
  RoomSid: 'RM' + 'a'.repeat(32),
  RoomStatus: 'in-progress',
  RoomType: 'group',
  StatusCallbackEvent: 'participant-connected',
  ParticipantIdentity: 'zoë 🎉',
  ParticipantSid: 'PA' + 'b'.repeat(32),
  ParticipantStatus: 'connected',
  SequenceNumber: '3',
  Timestamp: '2024-05-01T12:00:00.000Z',
};

test('fixed vectors computed with twilio.getExpectedTwilioSignature', () => {
  // A Plaza participant-connected event with a unicode identity, POSTed to a URL with a query.
  assert.equal(signCallback(AUTH_TOKEN, URL_, EVENT), 'FCPca0cqaoStvcnuaoJRWA13Z7Y=');
  // The example of Twilio's security docs.
  const docs = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
  assert.equal(signCallback('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', docs), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  assert.equal(signCallback(AUTH_TOKEN, URL_, EVENT), twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL_, EVENT));
});

test('validates what Twilio signs; rejects another token, URL, parameter value or a missing header', () => {
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL_, EVENT);
  assert.ok(validateCallbackSignature(AUTH_TOKEN, signature, URL_, EVENT));
  assert.ok(!validateCallbackSignature('0'.repeat(32), signature, URL_, EVENT));
  assert.ok(!validateCallbackSignature(AUTH_TOKEN, signature, 'https://app.example.com/plaza/callbacks', EVENT));
  assert.ok(!validateCallbackSignature(AUTH_TOKEN, signature, URL_, { ...EVENT, RoomStatus: 'completed' }));
  assert.ok(!validateCallbackSignature(AUTH_TOKEN, undefined, URL_, EVENT));
  assert.ok(!validateCallbackSignature(AUTH_TOKEN, '', URL_, EVENT));
  assert.ok(!validateCallbackSignature(AUTH_TOKEN, 'short', URL_, EVENT));
});

test('GET callbacks: signed over the URL with its query and no parameters', () => {
  const url = `${URL_}&${new URLSearchParams(EVENT).toString()}`;
  const signature = signCallback(AUTH_TOKEN, url);
  assert.ok(twilio.validateRequest(AUTH_TOKEN, signature, url, {}));
  assert.ok(validateCallbackSignature(AUTH_TOKEN, signature, url, {}));
});

test('accepts exactly what twilio.validateRequest accepts for ports and escaping', () => {
  const variants = [
    'https://example.com/cb?x=1',
    'https://example.com:443/cb?x=1',
    'https://example.com:8443/cb?x=1',
    'http://example.com/cb',
    'http://example.com:80/cb',
    'http://127.0.0.1:3000/cb',
    'HTTPS://Example.com/cb',
    "https://example.com/cb?name=o'brien",
    'https://example.com/cb?name=o%27brien',
    'http://[::1]:80/cb',
  ];
  for (const signedUrl of variants) {
    const signature = signCallback(AUTH_TOKEN, signedUrl, EVENT);
    assert.equal(signature, twilio.getExpectedTwilioSignature(AUTH_TOKEN, signedUrl, EVENT));
    for (const presentedUrl of variants) {
      assert.equal(
        validateCallbackSignature(AUTH_TOKEN, signature, presentedUrl, EVENT),
        twilio.validateRequest(AUTH_TOKEN, signature, presentedUrl, EVENT),
        `signed ${signedUrl}, presented ${presentedUrl}`,
      );
    }
  }
});
