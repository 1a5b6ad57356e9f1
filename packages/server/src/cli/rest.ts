/**
 * `plaza rooms …` and `plaza participants …`: the Rooms REST API of a running server, through
 * @plaza/sdk. The server is `--url` (or PLAZA_URL, default http://127.0.0.1:7880); the API key comes
 * from the server's data dir (`--data-dir`, PLAZA_DATA_DIR, ./data: its credentials.json, never
 * created here) or from PLAZA_API_KEY_SID + PLAZA_API_KEY_SECRET. Prints a table, or the JSON with
 * `--json`. A failed call exits 1 with the server's (Twilio) error message.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PlazaRestClient, PlazaRestError, type ParticipantResource, type ParticipantStatus, type RoomResource, type RoomStatus } from '@plaza/sdk';
import { loadOrCreateCredentials } from '../auth/Credentials.js';

export const REST_USAGE = `  plaza rooms list [--status in-progress|completed|failed] [--unique-name NAME] [--limit N]
  plaza rooms create <UniqueName> [--max-participants N] [--status-callback URL]
                     [--empty-room-timeout MINUTES] [--unused-room-timeout MINUTES]
  plaza rooms end <RoomSid|UniqueName>
  plaza participants list <room> [--status connected|disconnected|reconnecting]
  plaza participants kick <room> <ParticipantSid|identity>
    these take [--url http://127.0.0.1:7880] [--data-dir ./data] [--json]
    (or PLAZA_URL, PLAZA_DATA_DIR, PLAZA_API_KEY_SID + PLAZA_API_KEY_SECRET)`;

const DEFAULT_URL = 'http://127.0.0.1:7880';

/** A command that ran and failed (the server said no, or could not be reached): exit 1, not a usage error. */
export class CommandFailed extends Error {
  readonly exitCode = 1;
}

const COMMON = {
  url: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, positionals: string[]) {
  const parsed = parseArgs({ args: argv, options: { ...COMMON, ...options }, strict: true, allowPositionals: true });
  if (parsed.positionals.length !== positionals.length) {
    throw new Error(`expected ${positionals.map((p) => `<${p}>`).join(' ') || 'no arguments'}, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}`);
  }
  return parsed;
}

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** The API key: from the data dir given by flag, else the env pair, else PLAZA_DATA_DIR or ./data. */
function apiKey(dataDirFlag: string | undefined, env: NodeJS.ProcessEnv): { apiKeySid: string; apiKeySecret: string } {
  const { PLAZA_API_KEY_SID, PLAZA_API_KEY_SECRET } = env;
  if (dataDirFlag === undefined && (PLAZA_API_KEY_SID || PLAZA_API_KEY_SECRET)) {
    if (!PLAZA_API_KEY_SID || !PLAZA_API_KEY_SECRET) throw new CommandFailed('PLAZA_API_KEY_SID and PLAZA_API_KEY_SECRET must be set together');
    return { apiKeySid: PLAZA_API_KEY_SID, apiKeySecret: PLAZA_API_KEY_SECRET };
  }
  const dataDir = path.resolve(dataDirFlag ?? env.PLAZA_DATA_DIR ?? './data');
  const file = path.join(dataDir, 'credentials.json');
  if (!existsSync(file)) {
    throw new CommandFailed(
      `no credentials: ${file} does not exist. Pass --data-dir with the server's data dir, or set PLAZA_API_KEY_SID and PLAZA_API_KEY_SECRET`,
    );
  }
  try {
    // An empty env: read the file (which exists, so nothing is generated), whatever PLAZA_* says.
    const credentials = loadOrCreateCredentials(dataDir, {});
    return { apiKeySid: credentials.apiKeySid, apiKeySecret: credentials.apiKeySecret };
  } catch (err) {
    throw new CommandFailed((err as Error).message);
  }
}

function clientFor(values: { url?: string | undefined; 'data-dir'?: string | undefined }, env: NodeJS.ProcessEnv): PlazaRestClient {
  const baseUrl = values.url ?? env.PLAZA_URL ?? DEFAULT_URL;
  if (!URL.canParse(baseUrl)) throw new Error(`--url must be a URL like ${DEFAULT_URL}, got "${baseUrl}"`);
  return new PlazaRestClient({ baseUrl, ...apiKey(values['data-dir'], env) });
}

/** Runs one REST call, turning its failure into CommandFailed with the server's message. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PlazaRestError) throw new CommandFailed(`${err.message} (${err.code}${err.moreInfo ? `, ${err.moreInfo}` : ''})`);
    throw new CommandFailed((err as Error).message);
  }
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

const seconds = (n: number | null): string => (n === null ? '-' : `${n}s`);

function printRooms(rooms: RoomResource[], json: boolean | undefined, single = false): void {
  if (json) return void process.stdout.write(JSON.stringify(single ? rooms[0] : rooms, null, 2) + '\n');
  if (rooms.length === 0) return void process.stdout.write('no rooms\n');
  process.stdout.write(
    table(
      ['SID', 'UNIQUE NAME', 'STATUS', 'MAX', 'CREATED', 'DURATION'],
      rooms.map((r) => [r.sid, r.unique_name, r.status, String(r.max_participants), r.date_created, seconds(r.duration)]),
    ),
  );
}

function printParticipants(list: ParticipantResource[], json: boolean | undefined, single = false): void {
  if (json) return void process.stdout.write(JSON.stringify(single ? list[0] : list, null, 2) + '\n');
  if (list.length === 0) return void process.stdout.write('no participants\n');
  process.stdout.write(
    table(
      ['SID', 'IDENTITY', 'STATUS', 'STARTED', 'DURATION'],
      list.map((p) => [p.sid, p.identity, p.status, p.start_time, seconds(p.duration)]),
    ),
  );
}

export async function rooms(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [action, ...rest] = argv;
  switch (action) {
    case 'list': {
      const { values } = parse(rest, { status: { type: 'string' }, 'unique-name': { type: 'string' }, limit: { type: 'string' } }, []);
      const limit = int(values.limit, 'limit');
      const client = clientFor(values, env);
      const filter = {
        ...(values.status ? { status: values.status as RoomStatus } : {}),
        ...(values['unique-name'] ? { uniqueName: values['unique-name'] } : {}),
      };
      return printRooms(await call(() => client.rooms.list(filter, limit ? { limit } : {}).toArray()), values.json);
    }
    case 'create': {
      const { values, positionals } = parse(
        rest,
        {
          'max-participants': { type: 'string' },
          'status-callback': { type: 'string' },
          'empty-room-timeout': { type: 'string' },
          'unused-room-timeout': { type: 'string' },
        },
        ['UniqueName'],
      );
      const maxParticipants = int(values['max-participants'], 'max-participants');
      const emptyRoomTimeout = int(values['empty-room-timeout'], 'empty-room-timeout');
      const unusedRoomTimeout = int(values['unused-room-timeout'], 'unused-room-timeout');
      const client = clientFor(values, env);
      const room = await call(() =>
        client.rooms.create({
          uniqueName: positionals[0]!,
          ...(maxParticipants !== undefined ? { maxParticipants } : {}),
          ...(values['status-callback'] ? { statusCallback: values['status-callback'] } : {}),
          ...(emptyRoomTimeout !== undefined ? { emptyRoomTimeout } : {}),
          ...(unusedRoomTimeout !== undefined ? { unusedRoomTimeout } : {}),
        }),
      );
      return printRooms([room], values.json, true);
    }
    case 'end': {
      const { values, positionals } = parse(rest, {}, ['RoomSid|UniqueName']);
      const client = clientFor(values, env);
      return printRooms([await call(() => client.rooms.end(positionals[0]!))], values.json, true);
    }
    default:
      throw new Error(`plaza rooms: expected list, create or end${action ? `, got ${action}` : ''}\nusage:\n${REST_USAGE}`);
  }
}

export async function participants(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [action, ...rest] = argv;
  switch (action) {
    case 'list': {
      const { values, positionals } = parse(rest, { status: { type: 'string' } }, ['room']);
      const client = clientFor(values, env);
      const filter = values.status ? { status: values.status as ParticipantStatus } : {};
      return printParticipants(await call(() => client.participants(positionals[0]!).list(filter).toArray()), values.json);
    }
    case 'kick': {
      const { values, positionals } = parse(rest, {}, ['room', 'ParticipantSid|identity']);
      const client = clientFor(values, env);
      return printParticipants([await call(() => client.participants(positionals[0]!).kick(positionals[1]!))], values.json, true);
    }
    default:
      throw new Error(`plaza participants: expected list or kick${action ? `, got ${action}` : ''}\nusage:\n${REST_USAGE}`);
  }
}
