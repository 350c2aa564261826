import baseConfig from '../../eslint.config.mjs';

// The latency bench and the test harness run only under tests or by hand: like specs, they may use
// the test helpers (@ams/testing) and print.
const specBoundaries = baseConfig.find((c) => c.files?.includes('**/*.spec.ts') && c.rules?.['@nx/enforce-module-boundaries']);

export default [
  ...baseConfig,
  {
    files: ['src/bench/**/*.ts', 'src/testing/**/*.ts'],
    rules: { ...specBoundaries.rules, 'no-console': 'off' },
  },
];
