import baseConfig from '../../eslint.config.mjs';

// The test harness runs only under tests and the latency bench (tools/bench): like specs, it may use
// the test helpers (@ams/testing) and print.
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
