/**
 * What send.ts and receive.ts share: the file-share protocol, command-line options, joining the
 * room, progress lines and error reporting.
 *
 * The protocol (defined in apps/meet/src/files/fileProtocol.ts: Plaza Meet speaks it too), on top of
 * one durable DataChannel session (`room.dataChannel`, channel FILE_SHARE_CHANNEL):
 *   1. a header: UTF-8 JSON `{ "type": "plaza-file-share/1", "name", "size", "sha256" }`;
 *   2. the file's bytes, as ONE message. The SDK cuts it into 64 KiB fragments and the receiver's
 *      SDK puts them back together (with `progress` events on both sides), so neither script deals
 *      with chunks. The price: the whole file is in memory on each side, and a message is at most
 *      64 MiB (MAX_FILE_BYTES), so that is this example's file size limit. Larger files would need
 *      the app to cut them into several messages and stream them to disk; we keep it simple.
 * Durable sessions are ordered and lossless, so the message after a header is always its body.
 * Both messages ask for a receipt: the header's tells the sender who is listening before it sends
 * the big body (see send.ts), the body's tells it who got the file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { connect, TwilioError, type Room } from '@plaza/client';

// The protocol itself lives with Plaza Meet, which speaks it too (one definition, so the two stay
// able to send each other files). FILE_SHARE_CHANNEL: receivers ignore sessions on other channels.
export { decodeHeader, encodeHeader, FILE_CHANNEL_ID as FILE_SHARE_CHANNEL, MAX_FILE_BYTES, type FileHeader } from '../../apps/meet/src/files/fileProtocol.js';
/** Where `npm start` serves signaling. */
const DEFAULT_SERVER = 'ws://localhost:7880/signaling';

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Options both scripts take; each adds its own (`{ ...CONNECTION_OPTIONS, ... }`). */
export const CONNECTION_OPTIONS = {
  server: { type: 'string', default: DEFAULT_SERVER },
  room: { type: 'string', default: 'demo' },
  identity: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** parseArgs(config) (strict); prints `usage` and exits on --help or a bad option. */
export function parseCommandLine<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

export const CONNECTION_USAGE = `Connection:
  --server <url>     the server's signaling URL (default ${DEFAULT_SERVER}, where \`npm start\` listens)
  --room <name>      room to join (default demo)
  --token <jwt>      an AccessToken for this room (e.g. from \`npm run --silent plaza -- token --identity alice --room demo\`)
  --data-dir <dir>   instead of --token, on the server's machine: mint a token with the key in <dir>/credentials.json
                     (the server's --data-dir, ./data for \`npm start\`); needs --identity
  --identity <name>  who to join as (with --data-dir)`;

/** What join() needs from the parsed CONNECTION_OPTIONS. */
export interface ConnectionValues {
  server: string;
  room: string;
  identity?: string | undefined;
  token?: string | undefined;
  'data-dir'?: string | undefined;
}

/** Joins the room with --token, or with a token minted from --data-dir's credentials. */
export async function join(values: ConnectionValues): Promise<Room> {
  const token = values.token ?? (await mintToken(values));
  try {
    return await connect(token, { name: values.room, wsServer: values.server, tracks: [] });
  } catch (error) {
    // 53000: the WebSocket could not be opened (or was cut before the room was joined).
    if (error instanceof TwilioError && error.code === 53000) {
      throw new Error(`${describeError(error)}; is a Plaza server running at ${values.server}?`, { cause: error });
    }
    throw error;
  }
}

async function mintToken(values: ConnectionValues): Promise<string> {
  const dataDir = values['data-dir'];
  if (dataDir === undefined) throw new Error('pass --token <jwt>, or --data-dir <dir> --identity <name> to mint one from a local server\'s key');
  if (!values.identity) throw new Error('--data-dir needs --identity <name>');
  // loadOrCreateCredentials() would generate a new key if the file is missing, and the server
  // would refuse tokens signed with it: say so instead. (It also honours PLAZA_API_KEY_* like the server.)
  if (!process.env.PLAZA_API_KEY_SID && !existsSync(path.join(dataDir, 'credentials.json'))) {
    throw new Error(`${path.join(dataDir, 'credentials.json')} not found: start the server with --data-dir ${dataDir} first, or pass --token`);
  }
  // Loaded only here: a client app normally gets its tokens from its own backend, not from the server package.
  const { createAccessToken, loadOrCreateCredentials } = await import('@plaza/server');
  return createAccessToken(loadOrCreateCredentials(dataDir), { identity: values.identity, room: values.room });
}

/** A progress callback printing `<prefix> N%` at every 10% (not per 64 KiB fragment: 256 lines for 16 MiB). */
export function progressPrinter(prefix: string): (done: number, total: number) => void {
  let printed = 0; // no "0%" line: the first one comes with the first tenth
  return (done, total) => {
    const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
    if (tenth <= printed) return;
    printed = tenth;
    console.log(`${prefix} ${tenth * 10}%`);
  };
}

/** One line for any error; SDK errors (TwilioError) carry Twilio's numeric code. */
export function describeError(error: unknown): string {
  if (error instanceof TwilioError) return `${error.message} (code ${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
