// Plaza Meet's build (`npm run build -w @plaza/meet`, part of the root `npm run build`, which
// `npm install` and `npm start` run): static files in dist/, served by `plaza serve` at /.
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  resolve: {
    // The workspace packages export their TypeScript sources under `development`: the app bundles
    // @plaza/client from src/, so the build does not depend on tsc's output. (No other dependency
    // of the app uses that condition name.)
    conditions: ['development', ...defaultClientConditions],
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    target: ['es2022', 'chrome100', 'firefox100', 'safari16'],
    // A source map next to each chunk: the demo is for reading, too.
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev -w @plaza/meet` during development: the app with hot reload, the rest from a
    // running `npm start`.
    proxy: {
      '/demo': 'http://localhost:7880',
      '/signaling': { target: 'ws://localhost:7880', ws: true },
    },
  },
});
