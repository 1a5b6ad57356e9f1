/**
 * Waits in a room for files sent with send.ts, shows their progress, checks their SHA-256 and
 * saves them.
 *
 *   node --conditions=development --import tsx examples/file-share/receive.ts \
 *     --room demo --data-dir ./data --identity bob --out ./received
 *
 * Prints `ready ...` once it listens, then per file `incoming ...`, `progress <name> N%` lines and
 * `saved <path> sha256=<hex> ok`. A file whose hash does not match its header is not saved: an
 * `error:` line goes to stderr and the exit code will be 1. With --once it leaves after the first
 * file; otherwise Ctrl-C (SIGINT) or SIGTERM leaves the room and exits.
 * Protocol: see common.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataChannelReceiver, Room } from '@plaza/client';
import {
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  decodeHeader,
  describeError,
  FILE_SHARE_CHANNEL,
  join,
  parseCommandLine,
  progressPrinter,
  sha256Hex,
  type FileHeader,
} from './common.js';

const USAGE = `Usage: receive.ts [connection options] [--out <dir>] [--once]

  --out <dir>   where received files are saved (default .); an existing name gets a -1, -2... suffix
  --once        exit after the first file (code 0 if it was intact, 1 if not)

${CONNECTION_USAGE}`;

const { values } = parseCommandLine(USAGE, {
  options: { ...CONNECTION_OPTIONS, out: { type: 'string', default: '.' }, once: { type: 'boolean', default: false } },
});

let room: Room | null = null;
let leaving = false;

function leave(code: number): never {
  leaving = true;
  room?.disconnect();
  process.exit(code);
}

/** One sender's session: a header, then its file, then maybe more of those pairs. */
function onSession(receiver: DataChannelReceiver): void {
  if (receiver.channelId !== FILE_SHARE_CHANNEL) return; // another app's session
  const from = receiver.senderParticipant.identity;
  // Everyone in the room sees the session; only the participants each message names get it.
  console.log(`session from ${from} opened`);
  let expected: FileHeader | null = null;
  let progress: ((done: number, total: number) => void) | null = null;

  receiver.on('progress', ({ receivedBytes, totalBytes }) => progress?.(receivedBytes, totalBytes));
  // The SDK confirms a message (the sender's receipt) when this listener returns: "the app has
  // the bytes". Checking and saving them is our job, and the sender does not hear about it.
  receiver.on('message', ({ data }) => {
    if (expected === null) {
      expected = decodeHeader(data);
      if (expected === null) {
        console.error(`error: ignored a message from ${from} that is not a file-share header`);
        return;
      }
      console.log(`incoming ${expected.name} (${expected.size} bytes, sha256=${expected.sha256}) from ${from}`);
      progress = progressPrinter(`progress ${expected.name}`);
      return;
    }
    const header = expected;
    expected = null;
    progress = null;
    save(header, data, from).then(
      (ok) => {
        if (!ok) process.exitCode = 1;
        if (values.once) leave(ok ? 0 : 1);
      },
      (error: unknown) => {
        console.error(`error: could not save ${header.name} from ${from}: ${describeError(error)}`);
        process.exitCode = 1;
        if (values.once) leave(1);
      },
    );
  });
  receiver.on('close', () => {
    // The sender closed the session or left (or our subscription ended): a file announced but
    // not complete is dropped (the SDK never delivers part of a message).
    if (expected) console.error(`error: the session from ${from} ended before all of ${expected.name} arrived`);
    console.log(`session from ${from} ended`);
  });
}

/** Checks the bytes against the header and writes them; false (nothing written) if they differ. */
async function save(header: FileHeader, data: Uint8Array, from: string): Promise<boolean> {
  const sha256 = sha256Hex(data);
  if (data.byteLength !== header.size || sha256 !== header.sha256) {
    console.error(
      `error: ${header.name} from ${from} is damaged: got ${data.byteLength} bytes sha256=${sha256}, ` +
        `expected ${header.size} bytes sha256=${header.sha256}; not saved`,
    );
    return false;
  }
  const target = freePath(values.out, header.name);
  // 'wx': never overwrite, even a file that appeared since freePath() looked.
  await writeFile(target, data, { flag: 'wx' });
  console.log(`saved ${target} sha256=${sha256} ok`);
  return true;
}

/** `dir/name`, or `dir/name-1.ext`, `-2`... if taken. The sender's name is reduced to a bare file name. */
function freePath(dir: string, name: string): string {
  // The name comes from another participant: never let it pick a directory ("../../.bashrc").
  let base = path.basename(name.replaceAll('\\', '/'));
  if (base === '' || base === '.' || base === '..') base = 'received-file';
  const { name: stem, ext } = path.parse(base);
  let candidate = path.join(dir, base);
  for (let n = 1; existsSync(candidate); n++) candidate = path.join(dir, `${stem}-${n}${ext}`);
  return candidate;
}

async function main(): Promise<void> {
  await mkdir(values.out, { recursive: true });
  room = await join(values);
  // Listen before printing `ready`: a sender started after that line cannot be missed.
  room.dataChannel.on('dataChannelReceiverCreated', onSession);
  for (const receiver of room.dataChannel.receivers) onSession(receiver); // sessions that were there already
  // The server ends a subscription whose subscriber stops reading for more than 10 s (53390): say
  // so, rather than just seeing the session end.
  room.on('trackSubscriptionFailed', (error, publication, participant) => {
    if (publication.trackName !== `plaza-channel-${FILE_SHARE_CHANNEL}`) return;
    console.error(`error: lost ${participant.identity}'s file-share session: ${describeError(error)}`);
  });
  room.on('disconnected', (_room, error) => {
    if (leaving) return;
    console.error(`error: disconnected from the room${error ? `: ${describeError(error)}` : ''}`);
    process.exit(1);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => leave(Number(process.exitCode ?? 0)));
  console.log(`ready ${room.localParticipant.identity} in ${room.name}, saving to ${path.resolve(values.out)}`);
}

main().catch((error: unknown) => {
  console.error(`error: ${describeError(error)}`);
  process.exit(1);
});
