// ESLint for the whole repository: JavaScript/TypeScript/Svelte recommendations, plus one rule
// (`boundaries/dependencies`) that encodes DESIGN.md section 1's layering, so an import across a
// layer fails `npm run lint` where it is written. `test/unit/core-boundaries.test.ts` checks the
// same layering from the other side, including what no per-file rule can see: that everything the
// renderer reaches through contract/ and core/eval/, transitively, stays platform-free.
import js from '@eslint/js'
import boundaries from 'eslint-plugin-boundaries'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import ts from 'typescript-eslint'
import { defineConfig } from 'eslint/config'
import svelteConfig from './svelte.config.js'

/** Where code runs and what it holds (DESIGN.md section 1). The nearest matching folder wins. */
const ELEMENTS = [
  { type: 'core-eval', pattern: 'src-main/core/eval' },
  { type: 'core', pattern: 'src-main/core' },
  { type: 'contract', pattern: 'src-main/contract' },
  { type: 'host', pattern: 'src-main/host' },
  { type: 'workers', pattern: 'src-main/workers' },
  { type: 'electron', pattern: 'src-main/electron' },
  { type: 'web', pattern: 'src-main/web' },
  { type: 'cli', pattern: 'src-main/cli' },
  { type: 'preload', pattern: 'src-preload' },
  { type: 'renderer', pattern: 'src-renderer' }
]
const MAIN_SIDE = ['core', 'core-eval', 'contract', 'host', 'workers', 'electron', 'web', 'cli']
const OUTER = ['contract', 'host', 'workers', 'electron', 'web', 'cli', 'preload', 'renderer']

const toTypes = (types) => ({ to: { element: { types: { anyOf: types } } } })
const from = (...types) => ({ element: { types: { anyOf: types } } })
/** Packages other than zod and yaml, and Node's built-ins: what browser-safe code may not import. */
const NOT_BROWSER_SAFE = [
  { to: { module: { origin: 'external', source: '!{zod,yaml}' } } },
  { to: { module: { origin: 'core' } } }
]

const LAYERING = [
  // The engine knows nothing of its hosts.
  { from: from('core', 'core-eval'), disallow: toTypes(OUTER) },
  // The contract is shared by every front door and the browser: schemas, nothing platform-bound.
  { from: from('contract'), disallow: [toTypes(OUTER.filter((t) => t !== 'contract')), ...NOT_BROWSER_SAFE] },
  // core/eval runs in the renderer too (the threshold sweep): zod and yaml only.
  { from: from('core-eval'), disallow: NOT_BROWSER_SAFE },
  { from: from('workers'), disallow: toTypes(['host', 'electron', 'web', 'cli', 'preload', 'renderer']) },
  { from: from('host'), disallow: toTypes(['electron', 'web', 'cli', 'preload', 'renderer']) },
  { from: from('web'), disallow: toTypes(['electron', 'cli', 'workers', 'preload', 'renderer']) },
  { from: from('cli'), disallow: toTypes(['electron', 'preload', 'renderer']) },
  { from: from('electron'), disallow: toTypes(['web', 'cli', 'preload', 'renderer']) },
  { from: from('preload'), disallow: toTypes(MAIN_SIDE.filter((t) => t !== 'contract')) },
  // The renderer talks only to the API client: from the main side it takes types (any), and
  // values only from the contract and the platform-free core/eval; never Node's built-ins.
  {
    from: from('renderer'),
    disallow: [{ ...toTypes(MAIN_SIDE), dependency: { kind: 'value' } }, { to: { module: { origin: 'core' } } }]
  },
  { from: from('renderer'), allow: toTypes(['contract', 'core-eval']) },
  // `import 'electron'` from plain Node tries to download the binary and throws (DESIGN section 2).
  {
    from: { element: { types: { noneOf: ['electron', 'preload'] } } },
    disallow: { to: { module: { origin: 'external', source: 'electron' } } }
  }
]

/** Browser globals that Node lacks: core/ runs in plain Node and worker processes, never a page. */
const DOM_ONLY = Object.keys(globals.browser).filter((name) => !(name in globals.node) && !(name in globals.es2021))

export default defineConfig(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'models/**'] },
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `if (y) flag ? c.tp++ : c.fn++` counts a confusion cell: a statement, not a lost value.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // `{' · '}` keeps a separator's spaces next to an `{#if}` block, where markup would lose them.
      'svelte/no-useless-mustaches': 'off',
      // A default before a try whose catch also assigns reads as intent; the rule flags it anyway.
      'no-useless-assignment': 'off',
      // Escaping control and bidi characters in messages is the point of the regexes that match them.
      'no-control-regex': 'off',
      // It flags every Map and Set in a component or rune module, including the local temporaries
      // of getters and caches that are deliberately not reactive; reactive state here is $state.
      'svelte/prefer-svelte-reactivity': 'off'
    }
  },
  {
    // bin/workbench.cjs is CommonJS on purpose: it must start on any Node to re-run itself on Node 24.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    // Tests read raw JSON replies and hostile frames and assert on them with `expect`: typing each
    // reply would add casts, not safety.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig } }
  },
  {
    files: ['src-main/core/**'],
    rules: { 'no-restricted-globals': ['error', ...DOM_ONLY.map((name) => ({ name, message: 'core/ runs without a DOM (DESIGN.md section 1)' }))] }
  },
  {
    files: ['src-main/**', 'src-preload/**', 'src-renderer/**'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': ELEMENTS,
      // Sources import without extensions ('../core/data/series'); resolve them as the bundler does.
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.svelte', '.json'] } }
    },
    rules: { 'boundaries/dependencies': ['error', { default: 'allow', checkAllOrigins: true, policies: LAYERING }] }
  }
)
