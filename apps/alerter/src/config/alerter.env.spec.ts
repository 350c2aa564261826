import { ConfigError, loadConfig } from '@ams/platform';
import { AlerterEnv } from './alerter.env';

describe('alerter environment', () => {
  it('has working defaults (no webhook: notifications are logged)', () => {
    const env = loadConfig('alerter', AlerterEnv, {});
    expect(env).toMatchObject({
      PORT: 3003,
      ALERT_CTR_DROP_PCT: '20',
      ALERT_ROAS_MIN: '2.0',
      ALERT_DEFAULT_RULES: true,
      SLACK_WEBHOOK_URL: undefined,
      ADS_PENDING_ALERT_HOURS: 6,
      ALERT_STALE_DATA_HOURS: 6,
      ALERT_STALE_CHECK_SECONDS: 300,
    });
  });

  it('reads the pipeline-health settings and refuses bad ones, naming each', () => {
    const env = loadConfig('alerter', AlerterEnv, {
      ADS_PENDING_ALERT_HOURS: '12',
      ALERT_STALE_DATA_HOURS: '24',
      ALERT_STALE_CHECK_SECONDS: '60',
    });
    expect(env).toMatchObject({
      ADS_PENDING_ALERT_HOURS: 12,
      ALERT_STALE_DATA_HOURS: 24,
      ALERT_STALE_CHECK_SECONDS: 60,
    });
    let error: unknown;
    try {
      loadConfig('alerter', AlerterEnv, {
        ADS_PENDING_ALERT_HOURS: '0',
        ALERT_STALE_DATA_HOURS: 'six',
        ALERT_STALE_CHECK_SECONDS: '1.5',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/ADS_PENDING_ALERT_HOURS/);
    expect(message).toMatch(/ALERT_STALE_DATA_HOURS/);
    expect(message).toMatch(/ALERT_STALE_CHECK_SECONDS/);
  });

  it('reads booleans and named webhooks', () => {
    const env = loadConfig('alerter', AlerterEnv, {
      ALERT_DEFAULT_RULES: 'false',
      SLACK_WEBHOOKS: 'ops=https://hooks.slack.com/a,fin=https://hooks.slack.com/b',
    });
    expect(env.ALERT_DEFAULT_RULES).toBe(false);
  });

  it('names every bad variable and never prints a value', () => {
    const secret = 'hooks.slack.com/services/T0/B0/verysecret';
    let error: unknown;
    try {
      loadConfig('alerter', AlerterEnv, {
        SLACK_WEBHOOK_URL: `ftp://${secret}`,
        SLACK_WEBHOOKS: `ops ${secret}`,
        ALERT_ACOS_MAX_PCT: 'thirty',
        ALERT_WINDOW_HOURS: '5',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/SLACK_WEBHOOK_URL/);
    expect(message).toMatch(/SLACK_WEBHOOKS/);
    expect(message).toMatch(/ALERT_ACOS_MAX_PCT/);
    expect(message).toMatch(/ALERT_WINDOW_HOURS: must be one of 1, 2, 3/);
    expect(message).not.toContain('verysecret');
  });
});
