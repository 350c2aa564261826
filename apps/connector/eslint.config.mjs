import baseConfig from '../../eslint.config.mjs';

// The test harness runs only under tests and the entity-sync bench (tools/bench): like specs, it may use the test
// helpers (@ams/testing) and the Ads API emulator.
const specBoundaries = baseConfig.find(
  (c) => c.files?.includes('**/*.spec.ts') && c.rules?.['@nx/enforce-module-boundaries'],
);

export default [
  ...baseConfig,
  {
    files: ['src/testing/**/*.ts'],
    rules: { ...specBoundaries.rules, 'no-console': 'off' },
  },
];
