import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'node:*'];

// The boundaries of ARCHITECTURE §2, enforced: the core never imports Electron; shared and renderer
// code never touch Node; the renderer reaches the core only through the contract.
const noElectron = {
  name: 'electron',
  message: 'The core and shared code never import Electron (ARCHITECTURE §2).',
};
const noNodePatterns = {
  group: ['node:*'],
  message: 'Shared and renderer code run in the browser too: no Node built-ins (ARCHITECTURE §2).',
};
const noNodeNames = nodeBuiltins
  .filter((m) => !m.startsWith('node:') && !m.startsWith('_'))
  .map((name) => ({ name, message: 'Shared and renderer code run in the browser too: no Node built-ins.' }));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}', 'bench/**', 'e2e/**', 'electron/**', '*.config.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Playwright fixtures must destructure their dependencies, even when there are none.
    files: ['e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['electron/*'], message: noElectron.message },
            {
              group: ['**/main/*', '**/preload/*', '**/headless/*'],
              message: 'The core does not depend on its hosts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...noNodeNames],
          patterns: [
            noNodePatterns,
            { group: ['**/core/*', '**/main/*'], message: 'shared/ depends on nothing but zod.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...noNodeNames],
          patterns: [
            noNodePatterns,
            {
              group: [
                '**/electron/core/*',
                '**/electron/main/*',
                '**/electron/headless/*',
                '**/electron/preload/*',
              ],
              message: 'The renderer talks to the core only through the contract (electron/shared).',
            },
          ],
        },
      ],
    },
  },
);
