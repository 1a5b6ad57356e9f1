export { signRequest, validateSignature } from './signature.js';
export {
  CallbackDispatcher,
  defaultBackoff,
  MAX_AGE_MS,
  USER_AGENT,
  type CallbackDispatcherOptions,
  type CallbackOutbox,
  type DispatcherStats,
  type OutboxEntry,
} from './CallbackDispatcher.js';
