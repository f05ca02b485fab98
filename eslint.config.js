// Lint for the whole workspace: `pnpm lint` (eslint . --max-warnings 0), run by CI.
// Kept fast on purpose: typescript-eslint's syntactic `recommended`, not the type-checked presets.
import js from '@eslint/js'
import globals from 'globals'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'
import layering from '@stack/eslint-plugin-layering'

// THE table of layers (ARCHITECTURE.md, "Dependency rule"); it exists nowhere else.
// Bottom first. `packages` matches a folder name under packages/ (the package @stack/<folder>);
// `core` is the one package of the layer that others may import; `builtOn` lets a concrete
// package of this layer import the concrete package of that layer with the same suffix
// (channel-sqlite → ledger-sqlite: a channel uses its own ledger's escrow), or the suffix
// `builtOnSuffixes` names where the two differ (Lightning runs on Bitcoin).
export const layers = [
  { name: 'L1', core: 'ledger-core', packages: /^ledger-/ },
  { name: 'L2', core: 'channel-core', packages: /^channel-/, builtOn: 'L1', builtOnSuffixes: { lightning: 'bitcoin' } },
  { name: 'L3', core: 'ilp-core', packages: /^ilp-/ },
  { name: 'L4', core: 'stream', packages: /^stream/ },
  { name: 'L5', core: 'spsp', packages: /^spsp/ },
]

const sources = '**/*.{ts,mts,cts,js,mjs,cjs}'

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**', 'tools/*/fixtures/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: [sources],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.node,
    },
  },
  {
    // The connector's dashboard: plain modules run by the browser.
    files: ['apps/connector/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: [`packages/${sources}`, `apps/${sources}`],
    plugins: { layering },
    rules: {
      // toolApps: the demo starts its chains with tools/evm-node and tools/bitcoin-regtest.
      'layering/imports': ['error', { root: import.meta.dirname, scope: '@stack', layers, toolApps: ['demo'] }],
    },
  },
)
