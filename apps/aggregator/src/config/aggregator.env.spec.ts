import { ConfigError, loadConfig } from '@ams/platform';
import { AggregatorEnv, isCronExpression } from './aggregator.env';

describe('aggregator env', () => {
  it('has sane defaults: 72 h traffic sweep hourly, 60-day conversion sweep daily', () => {
    const env = loadConfig('aggregator', AggregatorEnv, {});
    expect(env).toMatchObject({
      PORT: 3004,
      AGGREGATOR_TRAFFIC_SWEEP_HOURS: 72,
      AGGREGATOR_CONVERSION_SWEEP_DAYS: 60,
      AGGREGATOR_TRAFFIC_SWEEP_CRON: '5 * * * *',
      AGGREGATOR_CONVERSION_SWEEP_CRON: '30 3 * * *',
      AGGREGATOR_SWEEPS_ENABLED: true,
      AGGREGATOR_PENDING_DRAIN_SECONDS: 30,
      AGGREGATOR_PENDING_GRACE_SECONDS: 60,
    });
  });

  it('reads overrides and names every bad variable', () => {
    expect(
      loadConfig('aggregator', AggregatorEnv, {
        AGGREGATOR_SWEEPS_ENABLED: 'false',
        AGGREGATOR_TRAFFIC_SWEEP_CRON: '0 */2 * * *',
      }),
    ).toMatchObject({ AGGREGATOR_SWEEPS_ENABLED: false, AGGREGATOR_TRAFFIC_SWEEP_CRON: '0 */2 * * *' });
    let error: unknown;
    try {
      loadConfig('aggregator', AggregatorEnv, {
        AGGREGATOR_CONVERSION_SWEEP_CRON: 'every day',
        AGGREGATOR_TRAFFIC_SWEEP_HOURS: '0',
        AGGREGATOR_CAMPAIGNS_PER_TRANSACTION: 'many',
        AGGREGATOR_SWEEPS_ENABLED: 'maybe',
        AGGREGATOR_PENDING_DRAIN_SECONDS: '0',
        AGGREGATOR_PENDING_GRACE_SECONDS: 'soon',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/AGGREGATOR_CONVERSION_SWEEP_CRON/);
    expect(problems).toMatch(/AGGREGATOR_TRAFFIC_SWEEP_HOURS/);
    expect(problems).toMatch(/AGGREGATOR_CAMPAIGNS_PER_TRANSACTION/);
    expect(problems).toMatch(/AGGREGATOR_SWEEPS_ENABLED/);
    expect(problems).toMatch(/AGGREGATOR_PENDING_DRAIN_SECONDS/);
    expect(problems).toMatch(/AGGREGATOR_PENDING_GRACE_SECONDS/);
  });
});

describe('cron expressions', () => {
  it.each(['5 * * * *', '30 3 * * *', '0 */2 * * *', '0 0 1,15 * mon-fri', '*/30 * * * * *', '0 0 * jan,jul sun'])(
    'accepts %s',
    (e) => {
      expect(isCronExpression(e)).toBe(true);
    },
  );
  it.each(['every day', '99 * * * *', '* * * *', '5 * * * * * *', '*/0 * * * *', '1-2-3 * * * *', '0 24 * * *', ''])(
    'refuses %s',
    (e) => {
      expect(isCronExpression(e)).toBe(false);
    },
  );

  it('keeps facts at least as long as deltas, and deltas longer than AMS can still send a duplicate', () => {
    expect(loadConfig('aggregator', AggregatorEnv, {})).toMatchObject({
      RETENTION_DELTA_DAYS: 90,
      RETENTION_FACT_DAYS: 400,
      PARTITIONS_AHEAD_MONTHS: 3,
    });
    expect(() =>
      loadConfig('aggregator', AggregatorEnv, { RETENTION_FACT_DAYS: '100', RETENTION_DELTA_DAYS: '120' }),
    ).toThrow(/RETENTION_FACT_DAYS/);
    expect(() => loadConfig('aggregator', AggregatorEnv, { RETENTION_DELTA_DAYS: '30' })).toThrow(
      /RETENTION_DELTA_DAYS/,
    );
    expect(() => loadConfig('aggregator', AggregatorEnv, { AGGREGATOR_MAINTENANCE_CRON: 'hourly' })).toThrow(
      /AGGREGATOR_MAINTENANCE_CRON/,
    );
  });
});
