/**
 * Console logger with the SDK's level names (twilio-video `logLevel`: debug|info|warn|error|off).
 * Default 'warn', like the SDK's DEFAULT_LOG_LEVEL. Never called per data message (hot path).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

export class Logger {
  readonly #rank: number;

  constructor(
    readonly level: LogLevel = 'warn',
    readonly prefix = 'plaza',
  ) {
    this.#rank = RANK[level] ?? RANK.warn;
  }

  child(name: string): Logger {
    return new Logger(this.level, `${this.prefix}:${name}`);
  }

  debug(...args: unknown[]): void {
    if (this.#rank <= RANK.debug) console.debug(`[${this.prefix}]`, ...args);
  }

  info(...args: unknown[]): void {
    if (this.#rank <= RANK.info) console.info(`[${this.prefix}]`, ...args);
  }

  warn(...args: unknown[]): void {
    if (this.#rank <= RANK.warn) console.warn(`[${this.prefix}]`, ...args);
  }

  error(...args: unknown[]): void {
    if (this.#rank <= RANK.error) console.error(`[${this.prefix}]`, ...args);
  }
}
