/**
 * Sends one file to chosen participants of a room, with progress, and reports who got it.
 *
 *   node --conditions=development --import tsx examples/file-share/send.ts \
 *     --room demo --data-dir ./data --identity alice --to bob,carol ./photo.jpg
 *
 * Exit code 0 when every participant named in --to confirmed the whole file, 1 otherwise.
 * Protocol: see common.ts.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { TwilioError, type DataChannelReceipt, type Room } from '@plaza/client';
import {
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  describeError,
  encodeHeader,
  FILE_SHARE_CHANNEL,
  join,
  MAX_FILE_BYTES,
  mib,
  parseCommandLine,
  progressPrinter,
  sha256Hex,
} from './common.js';

const USAGE = `Usage: send.ts --to bob[,carol...] [connection options] [--wait <s>] <file>

  --to <identities>  comma-separated recipients; nobody else in the room receives the file
  --wait <seconds>   how long to wait for the recipients to join (default 120)

${CONNECTION_USAGE}`;

const { values, positionals } = parseCommandLine(USAGE, {
  options: { ...CONNECTION_OPTIONS, to: { type: 'string' }, wait: { type: 'string', default: '120' } },
  allowPositionals: true,
});

async function main(): Promise<number> {
  const to = [...new Set((values.to ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  if (to.length === 0) throw new Error('--to <identity>[,<identity>...] is required');
  if (positionals.length !== 1) throw new Error('give exactly one file to send');
  const waitMs = Number(values.wait) * 1000;
  if (!(waitMs > 0)) throw new Error('--wait must be a positive number of seconds');

  // Check and read the file before joining: no point in making the others wait for a typo.
  const file = positionals[0] as string;
  const { size } = await stat(file);
  if (size > MAX_FILE_BYTES) throw new Error(`${file} is ${mib(size)}; this example sends files up to ${mib(MAX_FILE_BYTES)} (one message)`);
  const bytes = new Uint8Array(await readFile(file));
  const name = path.basename(file);
  const sha256 = sha256Hex(bytes);

  const room = await join(values);
  try {
    console.log(`joined ${room.name} as ${room.localParticipant.identity}`);
    if (to.includes(room.localParticipant.identity)) throw new Error('--to names this participant itself');
    await waitForParticipants(room, to, waitMs);

    // Durable: ordered and lossless. The session is seen by everyone in the room, but each message
    // goes only to the participants named (the server routes it), so the others never get a byte.
    const sender = room.dataChannel.createSender({
      channelId: FILE_SHARE_CHANNEL,
      reliability: 'durable',
      participants: to,
      maxMessageSizeInBytes: MAX_FILE_BYTES,
    });
    console.log(`sending ${name} (${size} bytes, sha256=${sha256}) to ${to.join(', ')}`);

    // The header first, with a receipt: a recipient that confirmed it is subscribed to the session
    // and listening. Only those get the body: one that subscribes later would miss its beginning
    // (a session delivers what is sent after the subscription, like any DataTrack).
    // sendMessage() first waits for the session to be published; bound that wait too, so a
    // publication that never completes is an error rather than a hang.
    const headerReceipt = await deadline(
      sender.sendMessage(encodeHeader(name, size, sha256), { receipt: true, receiptTimeoutMs: 15_000 }),
      45_000,
      'the session was not opened within 45 s',
    );
    const listening = headerReceipt.receivedBy.map((p) => p.identity);
    let receipt: DataChannelReceipt | null = null;
    if (listening.length > 0) {
      sender.setParticipants(listening);
      receipt = await sender
        .sendMessage(bytes, {
          onProgress: progressPrinter('progress'),
          receipt: true,
          // Counted from when the last fragment is handed to the network; what is still buffered
          // (ours and the server's queue per recipient, a few MiB) must get there meanwhile.
          receiptTimeoutMs: 60_000,
        })
        .catch((error: unknown) => {
          // A server started with a lower --data-max-message-bytes refuses bigger messages.
          if (error instanceof TwilioError && error.code === 53306) {
            throw new Error(`${describeError(error)}: the server relays smaller messages only (its --data-max-message-bytes)`, { cause: error });
          }
          throw error;
        });
    }

    const confirmed = new Set((receipt?.receivedBy ?? []).map((p) => p.identity));
    for (const identity of to) console.log(`${confirmed.has(identity) ? 'confirmed by' : 'not confirmed by'} ${identity}`);
    // close() lets receivers see the session end ('close'); everything was confirmed or given up on.
    sender.close();
    return to.every((identity) => confirmed.has(identity)) ? 0 : 1;
  } finally {
    room.disconnect();
  }
}

/** `promise`, or a rejection with `message` after `ms`. */
function deadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once someone with each identity is in the room (rejects after `timeoutMs`). */
function waitForParticipants(room: Room, identities: string[], timeoutMs: number): Promise<void> {
  const missing = () => identities.filter((id) => ![...room.participants.values()].some((p) => p.identity === id));
  if (missing().length === 0) return Promise.resolve();
  console.log(`waiting for ${missing().join(', ')} to join ${room.name}`);
  return new Promise((resolve, reject) => {
    const check = () => {
      if (missing().length > 0) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${missing().join(', ')} did not join ${room.name} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const gone = () => {
      done();
      reject(new Error('disconnected from the room while waiting'));
    };
    const done = () => {
      clearTimeout(timer);
      room.off('participantConnected', check);
      room.off('disconnected', gone);
    };
    room.on('participantConnected', check);
    room.on('disconnected', gone);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${describeError(error)}`);
    process.exit(1);
  },
);
