/**
 * The signature is judged by Twilio's own helper library (`twilio.validateRequest`), not by our
 * reading of the docs: whatever we sign must pass it, and our validator must accept what it accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { signCallback as signRequest, validateCallbackSignature as validateSignature } from './signature.js';

const TOKEN = '12345';
const DOCS_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOCS_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};

const EVENT = {
  AccountSid: 'AC' + '0'.repeat(32),
  RoomName: 'daily standup',
  RoomSid: 'RM' + 'a'.repeat(32),
  RoomStatus: 'in-progress',
  RoomType: 'group',
  StatusCallbackEvent: 'participant-connected',
  ParticipantIdentity: 'zoë 🎉 名前',
  SequenceNumber: '3',
  Timestamp: '2024-05-01T12:00:00.000Z',
};

test('fixed vector: the example from Twilio’s security docs, as the helper computes it', () => {
  const signature = signRequest(TOKEN, DOCS_URL, DOCS_PARAMS);
  assert.equal(signature, twilio.getExpectedTwilioSignature(TOKEN, DOCS_URL, DOCS_PARAMS));
  assert.equal(signature, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
});

test('matches the helper for unicode, empty values, odd names and no params', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['https://example.com/cb', EVENT],
    ['https://example.com/cb', {}],
    ['http://example.com/cb?a=1', { b: '', a: 'x', B: 'y', _: 'z', 'a b': 'ü' }],
  ];
  for (const [url, params] of cases) {
    assert.equal(signRequest('s3cret', url, params), twilio.getExpectedTwilioSignature('s3cret', url, params));
  }
});

test('twilio.validateRequest accepts what signRequest signs', () => {
  const urls = [
    'https://example.com/callbacks/video',
    'https://example.com/callbacks/video?tenant=acme&region=eu',
    'https://example.com/cb?q=a%20b&name=%C3%A9&plus=a+b',
    'http://127.0.0.1:8080/cb?x=1',
    'https://example.com:443/cb',
    'http://example.com:80/cb',
    'https://example.com:8443/cb?x=1',
    'http://[::1]:3000/cb',
    'https://user:pa55@example.com/cb',
  ];
  for (const url of urls) {
    for (const params of [EVENT, {}]) {
      const signature = signRequest(TOKEN, url, params);
      assert.ok(twilio.validateRequest(TOKEN, signature, url, params), `${url} ${JSON.stringify(params)}`);
      assert.ok(validateSignature(TOKEN, signature, url, params), `${url} (ours)`);
    }
  }
});

test('GET: signed over the full URL with its query and no body params, as the helper validates it', () => {
  const query = new URLSearchParams(EVENT).toString();
  const url = `https://example.com/cb?tenant=acme&${query}`;
  const signature = signRequest(TOKEN, url, {});
  assert.ok(twilio.validateRequest(TOKEN, signature, url, {}));
  assert.ok(validateSignature(TOKEN, signature, url, {}));
  // Leaving the query out of the URL breaks it: the query is what is signed.
  assert.ok(!twilio.validateRequest(TOKEN, signature, 'https://example.com/cb?tenant=acme', EVENT));
});

test('validateSignature accepts exactly what twilio.validateRequest accepts for ports and escaping', () => {
  const variants = [
    'https://example.com/cb?x=1',
    'https://example.com:443/cb?x=1',
    'https://example.com:8443/cb?x=1',
    'http://example.com/cb',
    'http://example.com:80/cb',
    'http://example.com:443/cb',
    'HTTPS://Example.com/cb',
    "https://example.com/cb?name=o'brien",
    'https://example.com/cb?name=o%27brien',
    'http://[::1]/cb',
    'http://[::1]:80/cb',
  ];
  for (const signedUrl of variants) {
    const signature = signRequest(TOKEN, signedUrl, EVENT);
    for (const presentedUrl of variants) {
      assert.equal(
        validateSignature(TOKEN, signature, presentedUrl, EVENT),
        twilio.validateRequest(TOKEN, signature, presentedUrl, EVENT),
        `signed ${signedUrl}, presented ${presentedUrl}`,
      );
    }
  }
  // Spot checks of the default-port leniency itself.
  const withoutPort = signRequest(TOKEN, 'https://example.com/cb', EVENT);
  assert.ok(validateSignature(TOKEN, withoutPort, 'https://example.com:443/cb', EVENT));
  const withPort = signRequest(TOKEN, 'https://example.com:443/cb', EVENT);
  assert.ok(validateSignature(TOKEN, withPort, 'https://example.com/cb', EVENT));
});

test('validateSignature rejects a wrong token, tampered or extra params, another URL, junk', () => {
  const url = 'https://example.com/cb?tenant=acme';
  const signature = signRequest(TOKEN, url, EVENT);
  assert.ok(validateSignature(TOKEN, signature, url, EVENT));
  assert.ok(!validateSignature('54321', signature, url, EVENT));
  assert.ok(!validateSignature(TOKEN, signature, url, { ...EVENT, RoomStatus: 'completed' }));
  assert.ok(!validateSignature(TOKEN, signature, url, { ...EVENT, Extra: '1' }));
  const { SequenceNumber: _dropped, ...missing } = EVENT;
  assert.ok(!validateSignature(TOKEN, signature, url, missing));
  assert.ok(!validateSignature(TOKEN, signature, 'https://example.com/cb?tenant=other', EVENT));
  assert.ok(!validateSignature(TOKEN, signature, 'https://evil.example/cb?tenant=acme', EVENT));
  assert.ok(!validateSignature(TOKEN, '', url, EVENT));
  assert.ok(!validateSignature(TOKEN, 'short', url, EVENT));
  assert.ok(!validateSignature(TOKEN, signature.toLowerCase(), url, EVENT));
  // An unparseable URL is simply not valid (the helper would throw).
  assert.ok(!validateSignature(TOKEN, signature, 'not a url', EVENT));
});
