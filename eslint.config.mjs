import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import jest from 'eslint-plugin-jest'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

const k8sLayer = {
  regex: '^\\.\\./(?!ports\\.js$|text\\.js$)',
  message: 'k8s/ is the bottom layer: it imports only ports.ts and text.ts above it.'
}
// One importer, of single modules: the package's index would bring every generated API group
// into the bundles (scripts/build.mjs says why).
const clientNodeOnlyInClient = {
  regex: '^@kubernetes/client-node(/|$)',
  message: 'Only src/k8s/client.ts binds @kubernetes/client-node.'
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'example/', 'coverage/', '__fixtures__/gotest/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  // The house rules of src/README.md, checked: short functions, and imports only go down.
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: false, skipComments: false }]
    }
  },
  // The artifact client is the post step's alone: it stays out of the main and CLI bundles.
  // (k8s/ and inputs/ below restrict their imports further.)
  {
    files: ['src/**/*.ts'],
    ignores: ['src/artifact.ts', 'src/post.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@actions/artifact', message: 'Only src/artifact.ts binds it.' }],
          patterns: [
            { regex: '(^|/)artifact\\.js$', message: 'Only post.ts uploads artifacts.' },
            clientNodeOnlyInClient
          ]
        }
      ]
    }
  },
  {
    files: ['src/k8s/**/*.ts'],
    ignores: ['src/k8s/client.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [k8sLayer, clientNodeOnlyInClient] }] }
  },
  {
    files: ['src/k8s/client.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [k8sLayer] }] }
  },
  {
    files: ['src/inputs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!k8s/(types|job-template)\\.js$|secrets/)',
              message: 'inputs/ imports no stage: only the cluster vocabulary and leaf parsers.'
            },
            clientNodeOnlyInClient
          ]
        }
      ]
    }
  },
  {
    files: ['scripts/**', 'hack/**', 'src/cli.ts'],
    rules: { 'no-console': 'off' }
  },
  { files: ['__tests__/**'], ...jest.configs['flat/recommended'] },
  prettier
)
