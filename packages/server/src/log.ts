import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/Config.js';

export type { Logger };

/** Structured JSON logs on stdout; child loggers carry room / participant ids. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { svc: 'plaza' } });
}
