/**
 * The account SID and API key that sign and verify AccessTokens. Taken from the environment when
 * given; otherwise generated once and kept in the data dir so tokens survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { isSid, newSid, type AccountSid, type ApiKeySid } from '@plaza/protocol';

export interface Credentials {
  accountSid: AccountSid;
  apiKeySid: ApiKeySid;
  apiKeySecret: string;
}

export interface LoadedCredentials extends Credentials {
  /** Where they came from: shown at start so the operator knows which key signs tokens. */
  source: 'env' | 'file' | 'generated';
}

const FILE_NAME = 'credentials.json';

export function loadOrCreateCredentials(dataDir: string, env: NodeJS.ProcessEnv = process.env): LoadedCredentials {
  const { PLAZA_ACCOUNT_SID, PLAZA_API_KEY_SID, PLAZA_API_KEY_SECRET } = env;
  if (PLAZA_ACCOUNT_SID || PLAZA_API_KEY_SID || PLAZA_API_KEY_SECRET) {
    if (!isSid(PLAZA_ACCOUNT_SID, 'AC') || !isSid(PLAZA_API_KEY_SID, 'SK') || !PLAZA_API_KEY_SECRET) {
      throw new Error(
        'PLAZA_ACCOUNT_SID (AC + 32 hex), PLAZA_API_KEY_SID (SK + 32 hex) and PLAZA_API_KEY_SECRET must be set together',
      );
    }
    return { accountSid: PLAZA_ACCOUNT_SID, apiKeySid: PLAZA_API_KEY_SID, apiKeySecret: PLAZA_API_KEY_SECRET, source: 'env' };
  }
  const file = path.join(dataDir, FILE_NAME);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    if (!isSid(stored.accountSid, 'AC') || !isSid(stored.apiKeySid, 'SK') || typeof stored.apiKeySecret !== 'string') {
      throw new Error(`${file} is damaged; remove it to generate new credentials`);
    }
    return { accountSid: stored.accountSid, apiKeySid: stored.apiKeySid, apiKeySecret: stored.apiKeySecret, source: 'file' };
  }
  const created: Credentials = {
    accountSid: newSid('AC'),
    apiKeySid: newSid('SK'),
    apiKeySecret: randomBytes(24).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  // 0600: the secret signs every token; nobody else on the machine should read it.
  writeFileSync(file, JSON.stringify(created, null, 2) + '\n', { mode: 0o600 });
  return { ...created, source: 'generated' };
}
