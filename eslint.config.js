// ESLint flat config: @eslint/js + typescript-eslint "recommended" (syntax-only,
// not type-checked, so `npm run lint` stays fast and needs no tsconfig project).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The few Node globals our plain JS scripts use. (TS files don't need this:
// typescript-eslint turns off `no-undef` for them, the compiler checks names.)
// Listed by hand to avoid pulling in the `globals` package for a handful of names.
const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate',
    'structuredClone', 'AbortController', 'TextEncoder', 'TextDecoder',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  {
    ignores: ['**/dist/', '**/node_modules/', 'data/', 'bench/results/', '**/*.d.ts', 'scratch/', '**/.scratch/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    rules: {
      // `_`-prefixed names mark intentionally unused args/vars (e.g. callback params).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
);
