// Lint guards what the compiler cannot: the workflow sandbox and un-awaited promises.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'web/dist/', '.data/', '.tools/', 'coverage/', 'test-results/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['web/vite.config.mts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits hides its failure; in a workflow it also hides a determinism bug.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['web/src/**/*.tsx', 'web/src/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      // React event handlers may be async: React ignores their result, and each handler reports its own errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  {
    // The workflow bundle runs in Temporal's deterministic sandbox: no I/O, no Node builtins, activities by type only.
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'test/workflow/reordered/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Node builtins do not exist in the workflow sandbox; use an activity.' })),
            { name: 'pg', message: 'Database access belongs in an activity.' },
            { name: 'express', message: 'HTTP belongs in api/.' },
            { name: 'zod', message: 'zod stays at the HTTP and activity edges: inside the bundle it costs replay speed and memory.' },
          ],
          patterns: [
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Workflows import activity types only.' },
            { group: ['**/contract', '**/contract/*'], allowTypeImports: true, message: 'The contract is zod: the bundle imports its types only.' },
            { group: ['**/api/*', '**/infra/*', '**/worker/*', '**/read-model/*', '**/records/*'], message: 'Not part of the workflow bundle.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
