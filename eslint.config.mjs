// ESLint for the whole repository (`npm run lint`, part of `npm test`). TypeScript and the Node
// scripts are linted with type information, because the mistakes that cost most here are
// promises nobody awaits or catches (a rejected one kills the node process) and promises handed to
// callbacks that ignore them. Formatting is Prettier's job (`npm run format:check`), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'coverage/', 'web/sdk/', 'test-artifacts/'],
  },
  {
    linterOptions: {
      // An eslint-disable comment that disables nothing is stale: fail, so it is removed.
      reportUnusedDisableDirectives: 'error',
    },
  },
  {
    files: ['**/*.{ts,mjs,cjs,js}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig that owns it (src/client/ has its own); the few
        // JavaScript files no tsconfig includes (scripts, configs) get a default project.
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', 'test/helpers/*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Empty catch blocks hide failures; an intentionally ignored error needs a comment saying why.
      'no-empty': ['error', { allowEmptyCatch: false }],
      // `_`-prefixed parameters are required by a signature but unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Node's CommonJS files: the jest config and the jest reporter.
    files: ['**/*.{js,cjs}'],
    ignores: ['web/**'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // The demo pages' scripts: plain browser scripts loaded with <script> after the SDK bundle
    // (global `Flashphoner`, or `CDN`). No types, so no type-aware rules.
    files: ['web/js/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'script',
      parserOptions: { projectService: false },
      globals: { ...globals.browser, CDN: 'readonly', Flashphoner: 'readonly' },
    },
    rules: {
      // Top-level functions of a classic script are globals for the next script: only locals can be unused.
      '@typescript-eslint/no-unused-vars': ['error', { vars: 'local', argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The page scripts run after common.js and call its top-level functions.
    files: ['web/js/**/*.js'],
    ignores: ['web/js/common.js'],
    languageOptions: {
      globals: { defaultServerUrl: 'readonly', pageUrl: 'readonly', describeError: 'readonly', showStatus: 'readonly', randomName: 'readonly' },
    },
  },
);
