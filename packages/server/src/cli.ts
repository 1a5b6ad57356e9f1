#!/usr/bin/env node
/**
 * `plaza serve` runs the server; `plaza token` mints an AccessToken with the server's key;
 * `plaza rooms …` / `plaza participants …` call the REST API of a running server (cli/rest.ts).
 */
import { parseArgs } from 'node:util';
import { configFromArgs } from './config/Config.js';
import { loadOrCreateCredentials } from './auth/Credentials.js';
import { createAccessToken } from './auth/AccessToken.js';
import { PlazaServer } from './PlazaServer.js';
import { CommandFailed, participants, REST_USAGE, rooms } from './cli/rest.js';

const USAGE = `usage:
  plaza serve [--port 7880] [--host 0.0.0.0] [--rtc-port 7882] [--rtc-bind 0.0.0.0] [--public-ip 127.0.0.1]
              [--data-dir ./data] [--empty-room-timeout 300] [--log-level info] [--no-demo]
  plaza token --identity alice [--room demo] [--ttl 3600] [--data-dir ./data]
${REST_USAGE}`;

/** Shutdown must finish within this; past it the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 4_000;

async function serve(argv: string[]): Promise<void> {
  const config = configFromArgs(argv);
  const server = await PlazaServer.start(config);
  const { credentials } = server;
  if (credentials.source !== 'env') {
    // Printed so the operator can mint tokens elsewhere; the secret stays in the data dir file.
    process.stderr.write(
      `Plaza credentials (${credentials.source}, ${config.dataDir}/credentials.json):\n` +
        `  PLAZA_ACCOUNT_SID=${credentials.accountSid}\n  PLAZA_API_KEY_SID=${credentials.apiKeySid}\n` +
        `  API key secret: in credentials.json\n`,
    );
  }
  process.stderr.write(`Plaza is up: ${server.addresses.httpUrl} (signaling ${server.signalingUrl}, UDP ${config.rtcPort})\n`);
  if (config.demo) {
    process.stderr.write(`Plaza Meet, the demo app: open ${server.addresses.httpUrl}/ in two tabs (--no-demo turns it off)\n`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void server.close().then(() => {
      PlazaServer.cleanupNative();
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function token(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      identity: { type: 'string' },
      room: { type: 'string' },
      ttl: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  if (!values.identity) throw new Error('--identity is required');
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('--ttl must be a positive number of seconds');
  const dataDir = values['data-dir'] ?? process.env.PLAZA_DATA_DIR ?? './data';
  const credentials = loadOrCreateCredentials(dataDir);
  const jwt = await createAccessToken(credentials, {
    identity: values.identity,
    ttl,
    ...(values.room ? { room: values.room } : {}),
  });
  process.stdout.write(jwt + '\n');
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'token':
      return token(rest);
    case 'rooms':
      return rooms(rest);
    case 'participants':
      return participants(rest);
    default:
      process.stderr.write(USAGE + '\n');
      process.exitCode = command === undefined || command === '--help' ? 0 : 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`plaza: ${(err as Error).message}\n`);
  // 1: a command that ran and failed (e.g. the REST API refused); 2: bad usage or startup failure.
  process.exit(err instanceof CommandFailed ? err.exitCode : 2);
});
