import { lintSnippet, lintSnippets } from './lint-snippet';

/**
 * The Nx module-boundary rules must restrict, not just exist: each forbidden import below is linted
 * as if it stood in the named file, and must be refused; the allowed ones must pass.
 */

/** The rules that draw boundaries: Nx's by tags, and the ones confining the `nats` package to libs/platform. */
const BOUNDARY_RULES = ['@nx/enforce-module-boundaries', 'no-restricted-imports', 'no-restricted-syntax'];

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  return lintSnippet(filePath, code)
    .filter((m) => m.ruleId !== null && BOUNDARY_RULES.includes(m.ruleId))
    .map((m) => m.message);
}

const REFUSED: Array<[string, string, string]> = [
  [
    'apps/alerter/src/x.ts',
    "import { waitFor } from '@ams/testing'; export const x = waitFor;",
    'app code may not use the test helpers',
  ],
  [
    'libs/ams/src/lib/x.ts',
    "import { Injectable } from '@nestjs/common'; export const x = Injectable;",
    'the domain lib imports no Nest',
  ],
  [
    'libs/ams/src/lib/x.ts',
    "import { DataSource } from 'typeorm'; export const x = DataSource;",
    'the domain lib imports no TypeORM',
  ],
  [
    'libs/contracts/src/lib/x.ts',
    "import { connect } from 'nats'; export const x = connect;",
    'contracts import no NATS',
  ],
  [
    'libs/contracts/src/lib/x.ts',
    "import { DbModule } from '@ams/db'; export const x = DbModule;",
    'contracts depend only on the domain lib',
  ],
  [
    'libs/db/src/lib/x.ts',
    "import { JetStreamService } from '@ams/platform'; export const x = JetStreamService;",
    'data access does not depend on platform',
  ],
  [
    'libs/platform/src/x.ts',
    "import { DbModule } from '@ams/db'; export const x = DbModule;",
    'platform does not depend on data access',
  ],
  [
    'apps/api/src/x.ts',
    "import { startAdsEmulator } from '@ams/ads-api-emulator'; export const x = startAdsEmulator;",
    'app code never imports the Ads API emulator',
  ],
  [
    'libs/ads-api/src/lib/x.ts',
    "import { startAdsEmulator } from '@ams/ads-api-emulator'; export const x = startAdsEmulator;",
    'the Ads API client uses the emulator in specs only',
  ],
  [
    'libs/ads-api/src/lib/x.ts',
    "import { Injectable } from '@nestjs/common'; export const x = Injectable;",
    'the Ads API client imports no Nest',
  ],
  [
    'libs/ads-api/src/lib/x.ts',
    "import { DbModule } from '@ams/db'; export const x = DbModule;",
    'the Ads API client has no database',
  ],
  [
    'libs/ads-api/src/lib/x.ts',
    "import pino from 'pino'; export const x = pino;",
    'the Ads API client logs through an injected logger only',
  ],
  [
    'apps/processor/src/x.ts',
    "import { connect } from 'nats'; export const x = connect;",
    'apps reach NATS through libs/platform only',
  ],
  [
    'apps/api/src/x.spec.ts',
    "import { connect } from 'nats'; export const x = connect;",
    'specs get a bare NATS client from @ams/testing',
  ],
  [
    'libs/db/src/lib/x.ts',
    "import { headers } from 'nats'; export const x = headers;",
    'only libs/platform imports nats',
  ],
  ['tests/system/src/x.e2e.ts', "export { connect } from 'nats';", 'system tests do not import nats'],
  [
    'tools/launcher/src/x.ts',
    "import type { NatsConnection } from 'nats/lib/nats-base-client/core'; export type X = NatsConnection;",
    'no deep imports of nats either',
  ],
  [
    'tools/launcher/src/x.js',
    "const { connect } = require('nats'); module.exports = connect;",
    'nor a require of nats',
  ],
  ['apps/alerter/src/x.ts', "export const x = import('nats');", 'nor a dynamic import of nats'],
  [
    'libs/platform/src/x.ts',
    "import { waitFor } from '@ams/testing'; export const x = waitFor;",
    'platform code may not use the test kit',
  ],
];

const ALLOWED: Array<[string, string]> = [
  ['apps/alerter/src/x.spec.ts', "import { waitFor } from '@ams/testing'; export const x = waitFor;"],
  [
    'apps/api/src/x.ts',
    "import { computeRatios } from '@ams/ams'; import { DbModule } from '@ams/db'; export const x = [computeRatios, DbModule];",
  ],
  ['libs/db/src/lib/x.ts', "import { METRIC_NAMES } from '@ams/ams'; export const x = METRIC_NAMES;"],
  ['apps/api/src/x.ts', "import { AdsApiClient } from '@ams/ads-api'; export const x = AdsApiClient;"],
  [
    'libs/ads-api/src/lib/x.spec.ts',
    "import { startAdsEmulator } from '@ams/ads-api-emulator'; export const x = startAdsEmulator;",
  ],
  [
    'apps/api/src/x.spec.ts',
    "import { startAdsEmulator } from '@ams/ads-api-emulator'; export const x = startAdsEmulator;",
  ],
  [
    'tools/launcher/src/x.ts',
    "import { startAdsEmulator } from '@ams/ads-api-emulator'; import { AdsApiClient } from '@ams/ads-api'; export const x = [startAdsEmulator, AdsApiClient];",
  ],
  ['libs/platform/src/messaging/x.ts', "import { connect } from 'nats'; export const x = connect;"],
  [
    'libs/platform/src/messaging/x.spec.ts',
    "import { connect } from 'nats'; import { waitFor } from '@ams/testing'; export const x = [connect, waitFor];",
  ],
  ['libs/testing/src/lib/x.ts', "import { connect } from 'nats'; export const x = connect;"],
  ['tests/system/src/x.e2e.ts', "import { connectNats } from '@ams/testing'; export const x = connectNats;"],
  ['apps/api/src/x.spec.ts', "import { startNestApp } from '@ams/testing/nest'; export const x = startNestApp;"],
];

describe('module boundaries', () => {
  // every snippet in one ESLint process (its config takes seconds to load); each test reads its own result
  beforeAll(() => {
    lintSnippets([...REFUSED, ...ALLOWED].map(([filePath, code]) => ({ filePath, code })));
  }, 120_000);

  it.each(REFUSED)(
    '%s: %s is refused (%s)',
    async (file, code) => {
      expect(await boundaryErrors(file, code)).not.toEqual([]);
    },
    60_000,
  );

  it.each(ALLOWED)(
    '%s: %s is allowed',
    async (file, code) => {
      expect(await boundaryErrors(file, code)).toEqual([]);
    },
    60_000,
  );
});
