import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/**
 * What a domain package (every package but action-kit, the runner interface, and testbed, the test
 * harness) may take from @slipway/action-kit: the Logger it is handed, the errors, retry, and pure
 * helpers. Everything else there talks to the runner (outputs, state, variables, the summary,
 * workflow commands, inputs, the run context from the environment, runAction), which only the
 * actions under actions/ and the root action do.
 */
export const DOMAIN_ACTION_KIT_IMPORTS = [
  // The Logger a package is handed, and loggers that write nowhere (defaults, tests).
  'Logger',
  'AnnotationProperties',
  'silentLogger',
  'collectingLogger',
  // Errors.
  'InputError',
  'ActionError',
  'ParameterError',
  // Retry.
  'withRetry',
  'isTransientNetworkError',
  'RetryOptions',
  // Pure helpers: formatting, parsing, and path checks against a workspace the caller passes.
  'quote',
  'parseDuration',
  'formatBytes',
  'formatDuration',
  'branchOf',
  'markdownTable',
  'isWithin',
  'realPathOf',
  'resolveInWorkspace',
  'WorkspacePathOptions',
  // The run context as a type: a package takes the values it needs as parameters.
  'RunContext',
];

/** The domain packages' sources. */
export const DOMAIN_SOURCES = ['packages/*/src/**/*.{ts,js,mjs}'];
export const RUNNER_SIDE_SOURCES = ['packages/action-kit/**', 'packages/testbed/**'];

const TYPESCRIPT = ['**/*.ts', '**/*.mts', '**/*.cts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.testbed/**', '**/target/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Workspace packages count as our own modules, so a cycle across two packages is found too.
      'import-x/internal-regex': '^@slipway/',
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      // Workspace packages resolve through node_modules/@slipway and their package.json exports.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // No module may reach itself again through its imports (type-only imports aside). Test files
    // are left out: nothing imports a *.test.ts file (test/unit/boundaries checks), so none can be
    // on a cycle, and following each one's imports would only cost time.
    ignores: ['**/*.test.ts'],
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Type-aware rules: a promise is awaited, returned or explicitly voided, and never handed to
    // something that expects a plain value or a void callback.
    files: TYPESCRIPT,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it/test return promises the runner itself awaits and reports.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: DOMAIN_SOURCES,
    ignores: RUNNER_SIDE_SOURCES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@slipway/action-kit',
              allowImportNames: DOMAIN_ACTION_KIT_IMPORTS,
              message:
                'A domain package takes a Logger and returns results; only the action (actions/*/src) talks to the runner. From @slipway/action-kit it may import only the Logger, errors, retry and pure helpers.',
            },
            {
              name: '@actions/core',
              message:
                'The runner interface is @slipway/action-kit, used by the actions; a domain package takes a Logger and parameters instead.',
            },
            {
              name: '@actions/github',
              importNames: ['context'],
              message:
                'A domain package takes the run context values it needs as parameters; the action reads them with runContext() from @slipway/action-kit.',
            },
          ],
        },
      ],
    },
  },
);
