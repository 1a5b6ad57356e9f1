/** Starts an in-process Plaza server on free ports with a throwaway data dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PlazaServer, type PlazaConfig } from '@plaza/server';

export interface TestServer {
  server: PlazaServer;
  signalingUrl: string;
  token(identity: string, room?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<PlazaConfig> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-test-'));
  const server = await PlazaServer.start({
    port: 0,
    host: '127.0.0.1',
    rtcPort: 0,
    rtcBind: '127.0.0.1',
    dataDir,
    logLevel: (process.env.PLAZA_TEST_LOG as PlazaConfig['logLevel']) ?? 'silent',
    ...overrides,
  });
  return {
    server,
    signalingUrl: server.signalingUrl,
    token: (identity, room) => server.createToken({ identity, ...(room ? { room } : {}) }),
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `check()` is truthy; rejects with `what` after `timeoutMs`. Polls: no fixed sleeps. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
