/**
 * Plaza Meet on the server's HTTP port (on by default; `--no-demo` turns it off):
 *  - `POST /demo/token {identity, room}` mints a short-lived AccessToken for one demo room
 *    (demoRules.ts: which rooms and identities), signed with the server's key. The response holds
 *    the token only, never the key.
 *  - `GET /` and the rest of the app's built files (apps/meet/dist, built by `npm install` /
 *    `npm run build`).
 * PlazaServer hands this app only what the REST API, /healthz and the signaling upgrade did not
 * take, so the demo can never shadow them; what the demo has no file for gets the server's usual
 * 404 (Twilio's error shape).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { createAccessToken } from '../auth/AccessToken.js';
import type { Credentials } from '../auth/Credentials.js';
import type { Logger } from '../log.js';
import { RestError } from '../rest/RestError.js';
import { checkDemoRequest, DEMO_TOKEN_TTL_SECONDS } from './demoRules.js';

export interface DemoDeps {
  credentials: Credentials;
  log: Logger;
  /** The app's built files; default: the `@plaza/meet` workspace's dist/ (see findDemoAssets). */
  assetsDir?: string | null;
}

/** A token request is two short strings; anything bigger is not one. */
const MAX_TOKEN_REQUEST_BYTES = 4 * 1024;

/**
 * Where `npm run build` puts the app (apps/meet/dist), or null when @plaza/meet is not installed
 * or not built.
 */
export function findDemoAssets(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve('@plaza/meet/package.json');
    const dist = path.join(path.dirname(manifest), 'dist');
    return existsSync(path.join(dist, 'index.html')) ? dist : null;
  } catch {
    return null;
  }
}

const error = (c: Context, status: 400 | 404 | 413 | 500 | 503, code: number, message: string) =>
  c.json(new RestError(status, code, message).body(), status);

export function createDemoApp(deps: DemoDeps): Hono {
  const assetsDir = deps.assetsDir === undefined ? findDemoAssets() : deps.assetsDir;
  if (!assetsDir) deps.log.warn('Plaza Meet is not built (apps/meet/dist is missing): run `npm run build` to serve it at /');
  const app = new Hono();

  app.onError((err, c) => {
    deps.log.error({ err }, 'demo handler failed');
    return error(c, 500, 20500, 'Internal Server Error');
  });
  app.notFound((c) => error(c, 404, 20404, `The requested resource ${c.req.path} was not found`));

  app.post(
    '/demo/token',
    bodyLimit({ maxSize: MAX_TOKEN_REQUEST_BYTES, onError: (c) => error(c, 413, 20001, 'request body too large') }),
    async (c) => {
      // JSON only: a cross-site form post cannot send this content type without a CORS preflight.
      if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
        return error(c, 400, 20001, 'Content-Type must be application/json');
      }
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return error(c, 400, 20001, 'body is not valid JSON');
      }
      const check = checkDemoRequest(body);
      if (!check.ok) return error(c, 400, 20001, check.message);
      const { identity, room } = check.grant;
      const token = await createAccessToken(deps.credentials, { identity, room, ttl: DEMO_TOKEN_TTL_SECONDS });
      c.header('cache-control', 'no-store');
      return c.json({ token, identity, room, ttl: DEMO_TOKEN_TTL_SECONDS });
    },
  );

  if (!assetsDir) {
    app.get('/', (c) => error(c, 503, 20503, 'Plaza Meet is not built: run `npm run build` (npm install and npm start do it)'));
    return app;
  }

  app.use(
    '*',
    secureHeaders({
      // What the app needs and nothing more: its own scripts and styles, signaling on this host,
      // blob: URLs for received files.
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'self'"],
      },
      // HSTS is for whoever terminates TLS in front of Plaza, not for a page that may be on http://localhost.
      strictTransportSecurity: false,
    }),
  );
  // Vite names every asset by its content hash: cache those for good, and revalidate index.html.
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.ok) c.header('cache-control', 'public, max-age=31536000, immutable');
  });
  app.use('*', async (c, next) => {
    await next();
    if (c.res.ok && !c.req.path.startsWith('/assets/')) c.header('cache-control', 'no-cache');
  });
  app.use('*', serveStatic({ root: assetsDir }));
  return app;
}
