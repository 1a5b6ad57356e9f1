export * from './sid.js';
export * from './errors.js';
export * from './tcmp.js';
export * from './rsp.js';
export * from './client-errors.js';
export * from './client-messages.js';
export * from './data-envelope.js';
