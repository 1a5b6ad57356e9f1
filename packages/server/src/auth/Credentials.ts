/**
 * The account SID and API key that sign and verify AccessTokens, and the account's auth token that
 * signs status callbacks (X-Twilio-Signature) and also opens the REST API (AC SID : auth token).
 * Taken from the environment when given; otherwise generated once and kept in the data dir so
 * tokens and callback receivers survive restarts. A file from before the auth token existed gets
 * one added.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { isSid, newSid, type AccountSid, type ApiKeySid } from '@plaza/protocol';

export interface Credentials {
  accountSid: AccountSid;
  apiKeySid: ApiKeySid;
  apiKeySecret: string;
  authToken: string;
}

export interface LoadedCredentials extends Credentials {
  /** Where they came from: shown at start so the operator knows which key signs tokens. */
  source: 'env' | 'file' | 'generated';
}

const FILE_NAME = 'credentials.json';

export function loadOrCreateCredentials(dataDir: string, env: NodeJS.ProcessEnv = process.env): LoadedCredentials {
  const { PLAZA_ACCOUNT_SID, PLAZA_API_KEY_SID, PLAZA_API_KEY_SECRET, PLAZA_AUTH_TOKEN } = env;
  if (PLAZA_ACCOUNT_SID || PLAZA_API_KEY_SID || PLAZA_API_KEY_SECRET) {
    if (!isSid(PLAZA_ACCOUNT_SID, 'AC') || !isSid(PLAZA_API_KEY_SID, 'SK') || !PLAZA_API_KEY_SECRET) {
      throw new Error(
        'PLAZA_ACCOUNT_SID (AC + 32 hex), PLAZA_API_KEY_SID (SK + 32 hex) and PLAZA_API_KEY_SECRET must be set together',
      );
    }
    // Without PLAZA_AUTH_TOKEN, callbacks are signed with the API key secret (and AC:secret opens REST).
    const authToken = PLAZA_AUTH_TOKEN || PLAZA_API_KEY_SECRET;
    return { accountSid: PLAZA_ACCOUNT_SID, apiKeySid: PLAZA_API_KEY_SID, apiKeySecret: PLAZA_API_KEY_SECRET, authToken, source: 'env' };
  }
  const file = path.join(dataDir, FILE_NAME);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    if (!isSid(stored.accountSid, 'AC') || !isSid(stored.apiKeySid, 'SK') || typeof stored.apiKeySecret !== 'string') {
      throw new Error(`${file} is damaged; remove it to generate new credentials`);
    }
    const loaded: Credentials = { accountSid: stored.accountSid, apiKeySid: stored.apiKeySid, apiKeySecret: stored.apiKeySecret, authToken: typeof stored.authToken === 'string' ? stored.authToken : newAuthToken() };
    if (loaded.authToken !== stored.authToken) save(file, loaded);
    return { ...loaded, source: 'file' };
  }
  const created: Credentials = {
    accountSid: newSid('AC'),
    apiKeySid: newSid('SK'),
    apiKeySecret: randomBytes(24).toString('base64url'),
    authToken: newAuthToken(),
  };
  mkdirSync(dataDir, { recursive: true });
  save(file, created);
  return { ...created, source: 'generated' };
}

/** Twilio auth tokens are 32 hex characters. */
function newAuthToken(): string {
  return randomBytes(16).toString('hex');
}

function save(file: string, credentials: Credentials): void {
  // 0600: the secrets sign every token and callback; nobody else on the machine should read them.
  writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
}
