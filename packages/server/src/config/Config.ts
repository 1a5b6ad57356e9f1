/**
 * Server configuration from flags, environment and defaults. Every option documents its default
 * here; the README's configuration table mirrors this file.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { MAX_MESSAGE_BYTES } from '@plaza/protocol';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface PlazaConfig {
  /** HTTP + WebSocket port. Default 7880 (`--port`, `PLAZA_PORT`). 0 picks a free port. */
  port: number;
  /** Interface the HTTP server binds. Default 0.0.0.0 (`--host`, `PLAZA_HOST`). */
  host: string;
  /** The one UDP port shared by every peer connection. Default 7882 (`--rtc-port`, `PLAZA_RTC_PORT`). 0 picks a free port. */
  rtcPort: number;
  /** Address announced in ICE candidates. Default 127.0.0.1 (`--public-ip`, `PLAZA_PUBLIC_IP`). */
  publicIp: string;
  /** Interface the UDP port binds. Default 0.0.0.0 (`--rtc-bind`, `PLAZA_RTC_BIND`). */
  rtcBind: string;
  /** Where credentials (and later the database) live. Default ./data (`--data-dir`, `PLAZA_DATA_DIR`). */
  dataDir: string;
  /** A room with no participants ends after this long. Default 5 min (`--empty-room-timeout` seconds, `PLAZA_EMPTY_ROOM_TIMEOUT`). */
  emptyRoomTimeoutMs: number;
  /** How long a dropped signaling session may take to reconnect (`sync`). Default 30 s. */
  sessionTimeoutMs: number;
  /** Largest accepted signaling frame. Default 256 KiB (SDP of a large room fits; more is abuse). */
  maxFrameBytes: number;
  /** Heartbeat timeout the server proposes; the client's smaller request wins. Default 5 s. */
  heartbeatTimeoutMs: number;
  /**
   * Per-subscription bound on bytes waiting for a slow subscriber of a reliable DataTrack.
   * Past it, that one subscription ends (error 53xxx, see DataRelay). Default 4 MiB.
   */
  relayQueueLimitBytes: number;
  /**
   * Largest DataChannel session message (reassembled) the server relays; larger ones are refused
   * (Rejected 53306 to the sender). 1..64 MiB, default 64 MiB, the protocol's MAX_MESSAGE_BYTES
   * (`--data-max-message-bytes`, `PLAZA_DATA_MAX_MESSAGE_BYTES`).
   */
  dataMaxMessageBytes: number;
  /** pino level. Default info (`--log-level`, `PLAZA_LOG_LEVEL`). */
  logLevel: LogLevel;
  /**
   * Serve Plaza Meet, the demo app, at `/` and its token endpoint `POST /demo/token` (tokens for
   * `demo` / `demo-*` rooms only, see demo/demoRules.ts). Default true (`--no-demo`, `PLAZA_DEMO=off`).
   */
  demo: boolean;
}

export const DEFAULT_CONFIG: PlazaConfig = {
  port: 7880,
  host: '0.0.0.0',
  rtcPort: 7882,
  publicIp: '127.0.0.1',
  rtcBind: '0.0.0.0',
  dataDir: './data',
  emptyRoomTimeoutMs: 5 * 60_000,
  sessionTimeoutMs: 30_000,
  maxFrameBytes: 256 * 1024,
  heartbeatTimeoutMs: 5_000,
  relayQueueLimitBytes: 4 * 1024 * 1024,
  dataMaxMessageBytes: MAX_MESSAGE_BYTES,
  logLevel: 'info',
  demo: true,
};

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** A boolean environment variable: 1/true/on/yes or 0/false/off/no (any case); unset or empty = undefined. */
function envFlag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(v)) return true;
  if (['0', 'false', 'off', 'no'].includes(v)) return false;
  throw new Error(`${name} must be on or off, got "${value}"`);
}

/** Builds a config for `plaza serve` from argv (after the subcommand) and the environment. */
export function configFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): PlazaConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'rtc-port': { type: 'string' },
      'rtc-bind': { type: 'string' },
      'public-ip': { type: 'string' },
      'data-dir': { type: 'string' },
      'empty-room-timeout': { type: 'string' },
      'data-max-message-bytes': { type: 'string' },
      'log-level': { type: 'string' },
      'no-demo': { type: 'boolean' },
    },
    strict: true,
  });
  const emptyRoomSeconds = int(values['empty-room-timeout'] ?? env.PLAZA_EMPTY_ROOM_TIMEOUT, 'empty-room-timeout');
  const dataMaxMessageBytes = int(values['data-max-message-bytes'] ?? env.PLAZA_DATA_MAX_MESSAGE_BYTES, 'data-max-message-bytes');
  // No client accepts more than the protocol's maximum, and 0 would refuse every message.
  if (dataMaxMessageBytes !== undefined && (dataMaxMessageBytes < 1 || dataMaxMessageBytes > MAX_MESSAGE_BYTES)) {
    throw new Error(`data-max-message-bytes must be between 1 and ${MAX_MESSAGE_BYTES}, got ${dataMaxMessageBytes}`);
  }
  return {
    ...DEFAULT_CONFIG,
    port: int(values.port ?? env.PLAZA_PORT, 'port') ?? DEFAULT_CONFIG.port,
    host: values.host ?? env.PLAZA_HOST ?? DEFAULT_CONFIG.host,
    rtcPort: int(values['rtc-port'] ?? env.PLAZA_RTC_PORT, 'rtc-port') ?? DEFAULT_CONFIG.rtcPort,
    rtcBind: values['rtc-bind'] ?? env.PLAZA_RTC_BIND ?? DEFAULT_CONFIG.rtcBind,
    publicIp: values['public-ip'] ?? env.PLAZA_PUBLIC_IP ?? DEFAULT_CONFIG.publicIp,
    dataDir: path.resolve(values['data-dir'] ?? env.PLAZA_DATA_DIR ?? DEFAULT_CONFIG.dataDir),
    emptyRoomTimeoutMs: emptyRoomSeconds !== undefined ? emptyRoomSeconds * 1000 : DEFAULT_CONFIG.emptyRoomTimeoutMs,
    dataMaxMessageBytes: dataMaxMessageBytes ?? DEFAULT_CONFIG.dataMaxMessageBytes,
    logLevel: (values['log-level'] ?? env.PLAZA_LOG_LEVEL ?? DEFAULT_CONFIG.logLevel) as LogLevel,
    // The flag wins over the environment, as for every other option.
    demo: values['no-demo'] ? false : (envFlag(env.PLAZA_DEMO, 'PLAZA_DEMO') ?? DEFAULT_CONFIG.demo),
  };
}
