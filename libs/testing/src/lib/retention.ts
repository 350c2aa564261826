/**
 * The specs' fixtures are hours of 2025 (AMS's documented samples): app settings that keep them inside every retention
 * horizon (the processor's dedupe horizon, the api's hourly range, the aggregator's recomputes). `baseTestEnv` and
 * the system tests add them; a spec of retention itself sets its own.
 */
export const HISTORY_RETENTION: Readonly<Record<string, string>> = {
  RETENTION_DELTA_DAYS: '3650',
  RETENTION_FACT_DAYS: '3650',
};
