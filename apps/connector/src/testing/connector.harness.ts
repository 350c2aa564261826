/**
 * Test harness of the connector (integration specs and the entity-sync bench only; not part of the app): the Ads API
 * emulator on a free port, a database and NATS prefix of the test's own, the real app in-process pointed at the
 * emulator, and helpers to send its commands and read its tables. Nothing of ours is mocked.
 */
import type { CommandDescriptor } from '@ams/contracts';
import {
  type AdsEmulator,
  type AdsEmulatorOptions,
  connectorEnvFor,
  defaultSeed,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import {
  baseTestEnv,
  type RunningTestApp,
  type SpecBackends,
  startNestApp,
  startSpecBackends,
} from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import type { ConnectorEnv } from '../config/connector.env';

export const US_PROFILE = '1111111111111111';
export const DE_PROFILE = '9007199254740993';
export const JP_PROFILE = '3333333333333333';
export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic';

export interface HarnessOptions {
  /** false: no Ads API credentials at all (the connector is unconfigured) */
  configured?: boolean;
  emulator?: AdsEmulatorOptions;
  env?: Record<string, string>;
}

export class ConnectorHarness {
  emu?: AdsEmulator;
  backends!: SpecBackends;
  app?: RunningTestApp<ConnectorEnv>;
  env: Record<string, string> = {};

  static async create(label: string, o: HarnessOptions = {}): Promise<ConnectorHarness> {
    const h = new ConnectorHarness();
    h.backends = await startSpecBackends(label, `${label}-spec`);
    if (o.configured !== false) h.emu = await startAdsEmulator({ port: 0, seed: defaultSeed(), ...o.emulator });
    h.env = {
      ...baseTestEnv(h.backends.db, h.backends.prefix),
      ...(h.emu ? connectorEnvFor(h.emu) : {}),
      ADS_SYNC_ON_START: 'false',
      ADS_RETRY_BASE_DELAY_MS: '10',
      ADS_RETRY_MAX_ATTEMPTS: '3',
      ADS_REQUEST_TIMEOUT_MS: '5000',
      ADS_COMMAND_LOCK_WAIT_MS: '20000',
      ...o.env,
    };
    h.app = await startNestApp(appDefinition, h.env);
    return h;
  }

  get emulator(): AdsEmulator {
    if (!this.emu) throw new Error('this harness runs without the emulator');
    return this.emu;
  }

  get pg() {
    return this.backends.pg;
  }

  get js() {
    return this.backends.js;
  }

  request<Req extends object, Res>(command: CommandDescriptor<Req, Res>, payload: Req, timeoutMs = 30_000) {
    return this.js.request(command, payload, timeoutMs);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pg.query(sql, params)).rows as T[];
  }

  async close(): Promise<void> {
    await this.app?.close();
    await this.backends.close();
    await this.emu?.stop();
  }
}
