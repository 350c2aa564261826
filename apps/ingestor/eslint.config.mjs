import baseConfig from '../../eslint.config.mjs';

// The test harness (src/testing) runs only under the specs: like them, it may use the test helpers.
const specBoundaries = baseConfig.find(
  (c) => c.files?.includes('**/*.spec.ts') && c.rules?.['@nx/enforce-module-boundaries'],
);

export default [
  ...baseConfig,
  {
    files: ['src/testing/**/*.ts'],
    rules: { ...specBoundaries.rules },
  },
];
