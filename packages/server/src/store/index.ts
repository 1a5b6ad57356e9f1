export * from './Store.js';
export { MIGRATIONS } from './migrations.js';
