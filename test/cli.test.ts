/**
 * `plaza serve` and `plaza token` as a user runs them: a child process, real sockets, signals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RawSignaling } from './support/rawSignaling.js';

const CLI = path.resolve('packages/server/src/cli.ts');
const NODE_ARGS = ['--conditions=development', '--import', 'tsx', CLI];

function startServe(dataDir: string) {
  const child = spawn(process.execPath, [...NODE_ARGS, 'serve', '--port', '0', '--rtc-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /signaling (ws:\/\/\S+)/.exec(stderr);
      if (match?.[1]) resolve(match[1].replace(/,$/, ''));
    });
    child.once('exit', (code) => reject(new Error(`plaza serve exited early (${code}): ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited, stderr: () => stderr };
}

test('plaza token mints with the key the server generated, and SIGTERM disconnects everyone within 5 s', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plaza-cli-'));
  try {
    const serve = startServe(dataDir);
    const signalingUrl = await serve.url;
    assert.match(serve.stderr(), /PLAZA_ACCOUNT_SID=AC[0-9a-f]{32}/);
    // The secret is kept private to the operator.
    assert.equal(statSync(path.join(dataDir, 'credentials.json')).mode & 0o077, 0);
    const secret = JSON.parse(readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')).apiKeySecret as string;
    assert.ok(!serve.stderr().includes(secret));

    const { stdout: token } = await promisify(execFile)(process.execPath, [...NODE_ARGS, 'token', '--identity', 'alice', '--room', 'cli', '--data-dir', dataDir]);
    const s = await RawSignaling.open(signalingUrl);
    s.hello({ type: 'connect', version: 2, name: 'cli', token: token.trim(), participant: { revision: 1, tracks: [] }, peer_connections: [] });
    const connected = await s.next((f) => f.body?.type === 'connected', 'connected');
    assert.equal((connected.body as { participant: { identity: string } }).participant.identity, 'alice');
    assert.equal((connected.body as { options: { session_timeout: number } }).options.session_timeout, 30);

    const started = Date.now();
    serve.child.kill('SIGTERM');
    const disconnected = await s.next((f) => f.body?.type === 'disconnected', 'disconnected', 5000);
    assert.equal(disconnected.body?.status, undefined); // a shutdown, not a completed room
    assert.equal(await serve.exited, 0);
    assert.ok(Date.now() - started < 5000, `exit took ${Date.now() - started} ms`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('plaza with no command prints usage; a bad flag is an error', async () => {
  const run = promisify(execFile);
  const { stderr } = await run(process.execPath, NODE_ARGS);
  assert.match(stderr, /plaza serve/);
  await assert.rejects(run(process.execPath, [...NODE_ARGS, 'serve', '--port', 'many']), /port must be a non-negative integer/);
});
