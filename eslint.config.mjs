import nx from '@nx/eslint-plugin';
import jest from 'eslint-plugin-jest';

// Module boundaries: apps depend only on libs; pure libs (domain, contracts) stay free of
// frameworks and transports, so they can be reused and tested without Nest, TypeORM or NATS.
const frameworkImports = ['@nestjs/*', 'typeorm', 'nats', 'pg', '@aws-sdk/*', '@slack/*', 'express'];

const depConstraints = [
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:domain',
      'type:contracts',
      'type:data-access',
      'type:platform',
      'type:integration',
    ],
  },
  // the Amazon Ads API client: plain TypeScript over fetch, no framework, no database, no logger of its own
  {
    sourceTag: 'type:integration',
    onlyDependOnLibsWithTags: ['type:domain'],
    bannedExternalImports: [...frameworkImports, 'pino', 'nestjs-pino', 'axios'],
  },
  // dev/test tools (the Ads API emulator): never a dependency of app code or of a lib's non-spec code; it
  // does not use the client it emulates for (the specs check one against the other)
  { sourceTag: 'type:devtool', onlyDependOnLibsWithTags: ['type:domain'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: frameworkImports },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [], bannedExternalImports: frameworkImports },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: [
      'type:testing',
      'type:domain',
      'type:contracts',
      'type:data-access',
      'type:platform',
      'type:integration',
      'type:devtool',
    ],
  },
  {
    sourceTag: 'type:e2e',
    onlyDependOnLibsWithTags: [
      'type:testing',
      'type:domain',
      'type:contracts',
      'type:data-access',
      'type:platform',
      'type:integration',
      'type:devtool',
    ],
  },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:ingestor', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:processor', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:alerter', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:aggregator', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:connector', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:system', onlyDependOnLibsWithTags: ['scope:shared'] },
  // the web app: a client of the REST API only (runs in the browser; no lib, framework or transport of the server)
  { sourceTag: 'scope:web', onlyDependOnLibsWithTags: [], bannedExternalImports: [...frameworkImports, 'pino'] },
];
// Specs (and only specs) of apps may also use the test helpers and the Ads API emulator; app code may not.
// Specs of the Ads API client run against the emulator. Specs of libs/platform use @ams/testing (which does not
// depend on platform; the Nest helpers that do are @ams/testing/nest, which would make a cycle there).
const specDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:app'
    ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing', 'type:devtool'] }
    : c.sourceTag === 'type:integration'
      ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing', 'type:devtool'] }
      : c.sourceTag === 'type:platform'
        ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] }
        : c,
);
// what the spec rules apply to: specs and the spec support files beside them (never imported by app code)
const specFiles = ['**/*.spec.ts', '**/*.spec-env.ts'];

// NATS is reached through JetStreamService (libs/platform); tests that must speak to the broker as a bare client get
// one from @ams/testing (connectNats). tools/clean-test-streams.js is plain node, run by .ci/run before anything is
// built, so it cannot load the kit. The patterns are relative to the root: libs/platform's and libs/testing's own
// configs (linting from their folders) leave this block out instead.
export const natsOnlyThroughPlatform = {
  files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx', '**/*.mjs', '**/*.cjs', '**/*.cts', '**/*.mts'],
  ignores: ['libs/platform/**', 'libs/testing/**', 'tools/clean-test-streams.js'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          {
            name: 'nats',
            message:
              'Only libs/platform imports nats: use JetStreamService, or connectNats from @ams/testing in a test.',
          },
        ],
        patterns: [{ group: ['nats/*'], message: 'Only libs/platform imports nats.' }],
      },
    ],
    // the same for require('nats') and import('nats'), which no-restricted-imports does not see
    'no-restricted-syntax': [
      'error',
      {
        selector: "CallExpression[callee.name='require'][arguments.0.value=/^nats(\\u002F.*)?$/]",
        message: 'Only libs/platform imports nats.',
      },
      { selector: 'ImportExpression[source.value=/^nats(\\u002F.*)?$/]', message: 'Only libs/platform imports nats.' },
    ],
  },
};

// Every jest file (unit and integration specs, system e2e and fault suites): no test left focused or skipped, every
// expect complete and awaited where it must be, no two tests of a describe with one title, and every test asserting
// something — by expect() or by a helper that throws when the outcome is wrong (waitFor, expect*/assert* helpers,
// fast-check's fc.assert, classify.spec's rejected()). Expects in afterEach hooks (a disposed helper left nothing
// behind) are allowed: they assert after every test.
const jestFiles = ['**/*.spec.ts', '**/*.e2e.ts', '**/*.faults.ts'];
const jestRules = {
  files: jestFiles,
  plugins: { jest },
  languageOptions: { globals: jest.environments.globals.globals },
  rules: {
    'jest/no-focused-tests': 'error',
    'jest/no-disabled-tests': 'error',
    'jest/no-test-prefixes': 'error',
    'jest/valid-expect': 'error',
    'jest/valid-expect-in-promise': 'error',
    'jest/no-identical-title': 'error',
    'jest/valid-describe-callback': 'error',
    'jest/expect-expect': [
      'error',
      { assertFunctionNames: ['expect', 'expect*', 'assert*', 'waitFor', 'fc.assert', 'rejected'] },
    ],
  },
};

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', '.data/**', 'bench/results/**'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: false,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints,
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@typescript-eslint/no-inferrable-types': 'off',
    },
  },
  natsOnlyThroughPlatform,
  {
    files: ['tools/**/*.ts', 'tools/**/*.js', '**/*.spec.ts', '**/*.e2e.ts', 'libs/testing/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: specFiles,
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: specDepConstraints,
        },
      ],
    },
  },
  jestRules,
];
