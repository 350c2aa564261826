// The test helpers that run an app inside the test process: they import Nest (through @ams/platform), so they
// live apart from @ams/testing, which libs/platform's own specs use and which must not depend on it.
export { startNestApp, baseTestEnv } from './lib/nest-app';
export type { RunningTestApp } from './lib/nest-app';
export { startSpecBackends } from './lib/spec-backends';
export type { SpecBackends } from './lib/spec-backends';
