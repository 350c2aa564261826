import baseConfig from '../../eslint.config.mjs';

// The benches are commands that print their figures (the root turns no-console off for tools/**, a pattern
// that does not reach files linted from this directory).
//
// The one boundary allowance of the workspace: a bench measures app code in-process (the processor's batch
// writer, the aggregator's rollup service, the alerter through its test harness), so it imports those files
// of the apps by relative path, which Nx otherwise forbids (apps are never imported). Only the files named
// here, only from tools/bench; everything a lib exports comes through its @ams/* alias and the usual
// constraints (scope:system, type:e2e). A new deep import must be added here, on purpose.
const appInternals = [
  '^\\.\\./\\.\\./apps/processor/src/ingest/batch-writer\\.repository$',
  '^\\.\\./\\.\\./apps/ingestor/src/config/ingestor\\.env$',
  '^\\.\\./\\.\\./apps/aggregator/src/config/aggregator\\.env$',
  '^\\.\\./\\.\\./apps/aggregator/src/rollup/rollup\\.repository$',
  '^\\.\\./\\.\\./apps/aggregator/src/rollup/rollup\\.service$',
  '^\\.\\./\\.\\./apps/alerter/src/testing/alerter\\.harness$',
  // the forecast bench generates its history with the simulator's pure generators (no SQS, no database)
  '^\\.\\./simulator/src/market-scenario$',
  '^\\.\\./simulator/src/realism$',
];

const base = baseConfig.find((c) => c.files?.includes('**/*.ts') && c.rules?.['@nx/enforce-module-boundaries']);
if (!base)
  throw new Error(
    'tools/bench/eslint.config.mjs: no @nx/enforce-module-boundaries block for **/*.ts in the root config',
  );
const [level, options] = base.rules['@nx/enforce-module-boundaries'];

export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      'no-console': 'off',
      '@nx/enforce-module-boundaries': [level, { ...options, allow: [...(options.allow ?? []), ...appInternals] }],
    },
  },
];
