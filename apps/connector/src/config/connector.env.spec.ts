import { ConfigError, loadConfig } from '@ams/platform';
import { adsCredentials, ConnectorEnv } from './connector.env';

function problems(env: Record<string, string>): string {
  try {
    loadConfig('connector', ConnectorEnv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the environment was accepted');
}

describe('connector environment', () => {
  it('has working defaults: no credentials means unconfigured, NA, hourly syncs, polls every 15 minutes', () => {
    const env = loadConfig('connector', ConnectorEnv, {});
    expect(env).toMatchObject({
      PORT: 3005,
      ADS_API_REGION: 'NA',
      ADS_API_ENDPOINT: undefined,
      ADS_LWA_ENDPOINT: undefined,
      ADS_PROFILE_SYNC_MINUTES: 60,
      ADS_ENTITY_SYNC_MINUTES: 60,
      ADS_SUBSCRIPTION_POLL_MINUTES: 15,
      ADS_SYNC_ON_START: true,
      ADS_COMMAND_LOCK_WAIT_MS: 15_000,
      ADS_ENTITY_PAGE_SIZE: undefined,
      ADS_REQUEST_TIMEOUT_MS: 30_000,
      ADS_RETRY_MAX_ATTEMPTS: 6,
    });
    expect(adsCredentials(env)).toBeUndefined();
  });

  it('reads a full set of credentials, a region, endpoints and numbers', () => {
    const env = loadConfig('connector', ConnectorEnv, {
      ADS_API_CLIENT_ID: 'amzn1.application-oa2-client.abc',
      ADS_API_CLIENT_SECRET: 'amzn1.oa2-cs.v1.s3cret',
      ADS_API_REFRESH_TOKEN: 'Atzr|IwEBIabc',
      ADS_API_REGION: 'EU',
      ADS_API_ENDPOINT: 'http://127.0.0.1:8765',
      ADS_LWA_ENDPOINT: 'http://127.0.0.1:8765/auth/o2/token',
      ADS_ENTITY_PAGE_SIZE: '25',
      ADS_SYNC_ON_START: 'false',
    });
    expect(adsCredentials(env)).toEqual({
      clientId: 'amzn1.application-oa2-client.abc',
      clientSecret: 'amzn1.oa2-cs.v1.s3cret',
      refreshToken: 'Atzr|IwEBIabc',
    });
    expect(env).toMatchObject({ ADS_API_REGION: 'EU', ADS_ENTITY_PAGE_SIZE: 25, ADS_SYNC_ON_START: false });
  });

  it('refuses a partial set of credentials, naming each missing one and never a value', () => {
    const message = problems({ ADS_API_CLIENT_SECRET: 'amzn1.oa2-cs.v1.verysecret' });
    expect(message).toMatch(/ADS_API_CLIENT_ID: is missing/);
    expect(message).toMatch(/ADS_API_REFRESH_TOKEN: is missing/);
    expect(message).not.toMatch(/ADS_API_CLIENT_SECRET:/);
    expect(message).not.toContain('verysecret');
  });

  it('names every bad variable: region, URLs, bounds, a credential with a space', () => {
    const message = problems({
      ADS_API_CLIENT_ID: 'id',
      ADS_API_CLIENT_SECRET: 'has a space verysecret',
      ADS_API_REFRESH_TOKEN: 'Atzr|x',
      ADS_API_REGION: 'US',
      ADS_API_ENDPOINT: 'ftp://emulator',
      ADS_LWA_ENDPOINT: 'not a url',
      ADS_PROFILE_SYNC_MINUTES: '0',
      ADS_ENTITY_SYNC_MINUTES: 'hourly',
      ADS_SUBSCRIPTION_POLL_MINUTES: '1441',
      ADS_ENTITY_PAGE_SIZE: '0',
      ADS_RETRY_MAX_ATTEMPTS: '50',
    });
    for (const name of [
      'ADS_API_CLIENT_SECRET: must be printable',
      'ADS_API_REGION: must be one of NA, EU, FE',
      'ADS_API_ENDPOINT: must be an http',
      'ADS_LWA_ENDPOINT',
      'ADS_PROFILE_SYNC_MINUTES',
      'ADS_ENTITY_SYNC_MINUTES',
      'ADS_SUBSCRIPTION_POLL_MINUTES',
      'ADS_ENTITY_PAGE_SIZE',
      'ADS_RETRY_MAX_ATTEMPTS',
    ])
      expect(message).toContain(name);
    expect(message).not.toContain('verysecret');
    expect(message).not.toMatch(/ADS_API_CLIENT_ID:|ADS_API_REFRESH_TOKEN:/);
  });

  it('automation: on by default, polls every 2 s, 120 s leases, 5 attempts, 3 h freshness, a cap of 100', () => {
    expect(loadConfig('connector', ConnectorEnv, {})).toMatchObject({
      AUTOMATION_ENABLED: true,
      AUTOMATION_POLL_MS: 2000,
      AUTOMATION_LEASE_SECONDS: 120,
      AUTOMATION_MAX_ATTEMPTS: 5,
      AUTOMATION_FRESHNESS_HOURS: 3,
      AUTOMATION_MAX_DAILY_BUDGET_INCREASE: '100',
    });
    expect(loadConfig('connector', ConnectorEnv, { AUTOMATION_ENABLED: 'false' }).AUTOMATION_ENABLED).toBe(false);
    const message = problems({
      AUTOMATION_ENABLED: 'maybe',
      AUTOMATION_POLL_MS: '0',
      AUTOMATION_LEASE_SECONDS: 'long',
      AUTOMATION_MAX_ATTEMPTS: '0',
      AUTOMATION_FRESHNESS_HOURS: '-1',
      AUTOMATION_MAX_DAILY_BUDGET_INCREASE: '1e3',
    });
    for (const name of [
      'AUTOMATION_ENABLED',
      'AUTOMATION_POLL_MS',
      'AUTOMATION_LEASE_SECONDS',
      'AUTOMATION_MAX_ATTEMPTS',
      'AUTOMATION_FRESHNESS_HOURS',
      'AUTOMATION_MAX_DAILY_BUDGET_INCREASE: must be a decimal amount',
    ])
      expect(message).toContain(name);
  });
});
