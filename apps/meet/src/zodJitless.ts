/**
 * @plaza/protocol validates signaling with zod, whose object schemas compile a fast path with
 * `new Function` unless told not to. The page's Content-Security-Policy forbids eval (the server's
 * DemoApp.ts), and zod's probe for it would be reported as a CSP violation (a console error).
 * `jitless` is zod's own switch for strict CSPs. It must be set before any schema is defined, so
 * main.tsx imports this module first (modules run in import order).
 */
import { config } from 'zod';

config({ jitless: true });
