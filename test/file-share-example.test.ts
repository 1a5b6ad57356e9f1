/**
 * examples/file-share, run as a user runs it: receive.ts and send.ts as child processes against a
 * real (in-process) server. A 16 MiB file goes to bob and carol, who must save it intact; dave is
 * in the room, not named, and must get nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlazaServer } from '@plaza/server';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROOM = 'file-share';

let srv: TestServer;
let dir: string;
const children: Script[] = [];
before(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(path.join(tmpdir(), 'plaza-file-share-'));
});
after(async () => {
  for (const script of children) if (script.exit === null) script.child.kill('SIGKILL');
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
  PlazaServer.cleanupNative();
});

/** One example script in its own process, with its output kept line by line. */
class Script {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly name: string,
    file: string,
    args: string[],
  ) {
    const entry = path.join(root, 'examples/file-share', file);
    this.child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', entry, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() as string;
      this.stdout.push(...lines);
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.child.on('exit', (code, signal) => (this.exit = { code, signal }));
    children.push(this);
  }

  /** Waits for a stdout line matching `pattern`; fails at once if the process ends without one. */
  line(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return waitFor(
      () => {
        const found = this.stdout.find((l) => pattern.test(l));
        if (found === undefined && this.exit) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before printing ${pattern}`);
        return found;
      },
      `${this.name}: ${pattern}`,
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${everything()}`, { cause: error });
    });
  }

  async exited(timeoutMs = 60_000): Promise<number | null> {
    try {
      return (await waitFor(() => this.exit, `${this.name} to exit`, timeoutMs)).code;
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${everything()}`, { cause: error });
    }
  }

  output(): string {
    return `--- ${this.name} stdout\n${this.stdout.join('\n')}\n--- ${this.name} stderr\n${this.stderr}`;
  }
}

const everything = () => children.map((c) => c.output()).join('\n');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

test('send.ts delivers a 16 MiB file intact to the named receivers only, with progress and receipts', { timeout: 120_000 }, async () => {
  const file = path.join(dir, 'random.bin');
  const original = randomBytes(16 * 1024 * 1024);
  writeFileSync(file, original);
  const expected = sha256(original);

  const connection = async (identity: string) => ['--server', srv.signalingUrl, '--room', ROOM, '--token', await srv.token(identity, ROOM)];
  const receive = async (identity: string, once: boolean) =>
    new Script(identity, 'receive.ts', [...(await connection(identity)), '--out', path.join(dir, identity), ...(once ? ['--once'] : [])]);
  const bob = await receive('bob', true);
  const carol = await receive('carol', true);
  const dave = await receive('dave', false);
  for (const r of [bob, carol, dave]) await r.line(/^ready /);

  const alice = new Script('alice', 'send.ts', [...(await connection('alice')), '--to', 'bob,carol', file]);
  // The sender first: if it fails, bob or carol may wait forever, and its output says why.
  assert.equal(await alice.exited(90_000), 0, everything());
  assert.deepEqual(await Promise.all([bob.exited(), carol.exited()]), [0, 0], everything());

  // The sender: progress up to 100%, then both named recipients confirmed.
  assert.ok(alice.stdout.some((l) => /^progress [1-9]0%$/.test(l)), alice.output());
  assert.ok(alice.stdout.includes('progress 100%'), alice.output());
  assert.ok(alice.stdout.includes('confirmed by bob'), alice.output());
  assert.ok(alice.stdout.includes('confirmed by carol'), alice.output());
  assert.ok(!alice.stdout.some((l) => l.startsWith('not confirmed')), alice.output());

  // Each receiver: progress, then the file saved with the original's hash (checked here from disk too).
  for (const receiver of [bob, carol]) {
    const saved = path.join(dir, receiver.name, 'random.bin');
    assert.ok(receiver.stdout.some((l) => /^progress random\.bin [1-9]0%$/.test(l)), receiver.output());
    assert.ok(receiver.stdout.includes('progress random.bin 100%'), receiver.output());
    assert.ok(receiver.stdout.includes(`saved ${saved} sha256=${expected} ok`), receiver.output());
    assert.equal(sha256(readFileSync(saved)), expected);
  }

  // dave was subscribed to alice's session (so he could have received), saw it end (nothing of it
  // comes after that), and got no byte of the file.
  await dave.line(/^session from alice ended$/);
  assert.ok(dave.stdout.includes('session from alice opened'), dave.output());
  dave.child.kill('SIGTERM');
  assert.equal(await dave.exited(), 0, dave.output());
  assert.ok(!dave.stdout.some((l) => /^(incoming|progress|saved) /.test(l)), dave.output());
  assert.equal(dave.stderr, '', dave.output());
  assert.deepEqual(readdirSync(path.join(dir, 'dave')), []);
});
