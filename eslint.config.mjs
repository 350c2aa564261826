import nx from '@nx/eslint-plugin';

// Module boundaries: apps depend only on libs; pure libs (domain, contracts) stay free of
// frameworks and transports, so they can be reused and tested without Nest, TypeORM or NATS.
const frameworkImports = ['@nestjs/*', 'typeorm', 'nats', 'pg', '@aws-sdk/*', '@slack/*', 'express'];

const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:data-access', 'type:platform'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: frameworkImports },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [], bannedExternalImports: frameworkImports },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:data-access', 'type:platform'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:domain', 'type:contracts', 'type:data-access', 'type:platform'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:ingestor', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:processor', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:alerter', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:aggregator', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:system', onlyDependOnLibsWithTags: ['scope:shared'] },
];
// Specs (and only specs) of apps may also use the test helpers; app code may not.
const specDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:app' ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] } : c,
);

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
  {
    files: ['tools/**/*.ts', 'tools/**/*.js', '**/*.spec.ts', '**/*.e2e.ts', 'libs/testing/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: true, allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'], depConstraints: specDepConstraints },
      ],
    },
  },
];
