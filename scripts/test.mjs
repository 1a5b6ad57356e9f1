#!/usr/bin/env node
// Project test command (`npm test`).
//
// Node 20's `--test` has no glob support, so we collect the test files
// ourselves and hand them to the built-in runner explicitly.
//
//   npm test                        -> every *.test.ts under packages/*/src, apps/*/src and test/
//   npm test -- test/browser        -> only files whose path contains "test/browser"
//   PLAZA_SKIP_BROWSER=1 npm test   -> everything except test/browser/** (quick local runs)
import { spawn } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', 'dist']);

/** Recursively collect *.test.ts files under `dir` (repo-relative, POSIX separators). */
function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) collect(full, out);
    } else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
      out.push(relative(root, full).split(sep).join('/'));
    }
  }
  return out;
}

const roots = [join(root, 'test')];
for (const workspaces of ['packages', 'apps']) {
  const dir = join(root, workspaces);
  if (!existsSync(dir)) continue;
  for (const pkg of readdirSync(dir, { withFileTypes: true })) {
    if (pkg.isDirectory()) roots.push(join(dir, pkg.name, 'src'));
  }
}

let files = roots.flatMap((dir) => collect(dir, [])).sort();

// Extra CLI args act as substring filters on the repo-relative path.
const filters = process.argv.slice(2).map((f) => f.replace(/^\.\//, ''));
if (filters.length > 0) files = files.filter((f) => filters.some((flt) => f.includes(flt)));

if (process.env.PLAZA_SKIP_BROWSER === '1') {
  files = files.filter((f) => !f.startsWith('test/browser/'));
}

if (files.length === 0) {
  // An explicit filter that matches nothing is probably a typo: fail loudly.
  // With no filter, an empty set is fine (e.g. PLAZA_SKIP_BROWSER=1 early on).
  console.log(`no test files matched${filters.length ? ` (filters: ${filters.join(' ')})` : ''}`);
  process.exit(filters.length ? 1 : 0);
}

const args = [
  // Workspace packages export their TS sources under the `development` condition,
  // so tests run against src/ without a build step.
  '--conditions=development',
  '--import',
  'tsx',
  '--test',
  // One file at a time: browser/SFU tests bind ports and spawn Chromium; CI has 2 cores.
  '--test-concurrency=1',
  '--test-timeout=120000',
  // Explicit spec reporter so the summary (ℹ tests N / ℹ pass N / ℹ fail N) is always
  // printed, even when stdout is not a TTY (Node would otherwise pick TAP there).
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  ...files,
];

const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
// Forward Ctrl-C / CI cancellation so Chromium and servers are torn down.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
