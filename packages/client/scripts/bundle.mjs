#!/usr/bin/env node
// Builds dist/plaza-client.browser.js: @plaza/client (with @plaza/protocol and zod) as one classic
// script that sets `window.Plaza` to the package's exports, e.g. `Plaza.connect(token, {...})`.
//
// Browsers have WebSocket and RTCPeerConnection, so the Node-only modules (ws, node-datachannel's
// polyfill) are never loaded there: environment.ts imports them lazily through a non-literal
// specifier, which esbuild leaves alone, and they are also marked external so that no change to that
// import can pull native code into the bundle.
//
//   npm run bundle -w @plaza/client      (or: node packages/client/scripts/bundle.mjs)
//   PLAZA_BUNDLE_MINIFY=1 ...             minified output (default: readable, with a source map)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const minify = process.env.PLAZA_BUNDLE_MINIFY === '1';

/**
 * zod re-exports all of its ~50 error-message locales as `z.locales`, which keeps every one of them
 * in a bundle (half its size). @plaza/protocol only uses the default English messages (zod configures
 * `en` itself, from locales/en.js), so the locale index is reduced to `en`.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/plaza-client.browser.js',
  bundle: true,
  format: 'iife',
  globalName: 'Plaza',
  platform: 'browser',
  // Workspace packages export their TypeScript sources under this condition: no tsc build needed.
  conditions: ['development'],
  // Browsers that ship RTCRtpTransceiver, private class fields and ES2022 syntax.
  target: ['es2022', 'chrome100', 'firefox100', 'safari16'],
  external: ['ws', 'node-datachannel', 'node-datachannel/*'],
  sourcemap: true,
  minify,
  legalComments: 'eof',
  metafile: true,
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs);
const nodeOnly = inputs.filter((p) => /node_modules\/(ws|node-datachannel)\//.test(p) || p.startsWith('node:'));
if (nodeOnly.length > 0) {
  console.error(`bundle: Node-only modules got into the browser bundle: ${nodeOnly.join(', ')}`);
  process.exit(1);
}
const [output] = Object.entries(result.metafile.outputs).filter(([p]) => p.endsWith('.js'));
console.log(`bundle: ${output[0]} (${Math.round(output[1].bytes / 1024)} KiB, ${inputs.length} inputs) exposes window.Plaza`);
