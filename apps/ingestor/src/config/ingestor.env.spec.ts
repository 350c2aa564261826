import { ConfigError, loadConfig } from '@ams/platform';
import { IngestorEnv } from './ingestor.env';

describe('IngestorEnv', () => {
  const base = {
    SQS_QUEUE_URLS:
      'https://sqs.us-east-1.amazonaws.com/1/ams-sp-traffic, https://sqs.us-east-1.amazonaws.com/1/ams-budget',
  };

  it('reads several queues and per-queue concurrency', () => {
    const env = loadConfig('ingestor', IngestorEnv, {
      ...base,
      SQS_CONCURRENCY: '3',
      SQS_QUEUE_CONCURRENCY: 'ams-budget=1',
    });
    expect(env.SQS_QUEUE_URLS).toHaveLength(2);
    expect(env.concurrencyFor('ams-sp-traffic')).toBe(3);
    expect(env.concurrencyFor('ams-budget')).toBe(1);
    expect(env.INGEST_ENABLED).toBe(true);
  });

  it('refuses a missing queue list and bad entries, naming each variable', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig('ingestor', IngestorEnv, {
        SQS_QUEUE_CONCURRENCY: 'oops',
        SQS_BATCH_SIZE: '11',
        INGEST_ENABLED: 'maybe',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'INGEST_ENABLED',
      'SQS_BATCH_SIZE',
      'SQS_QUEUE_CONCURRENCY',
      'SQS_QUEUE_URLS',
    ]);
  });

  it('has defaults for the outage settings and names a bad one', () => {
    const env = loadConfig('ingestor', IngestorEnv, base);
    expect([env.SQS_RECEIVE_COUNT_MARGIN, env.SQS_QUEUE_STATUS_INTERVAL_S, env.INGEST_PROBE_MAX_INTERVAL_MS]).toEqual([
      2, 60, 5000,
    ]);
    let err: ConfigError | undefined;
    try {
      loadConfig('ingestor', IngestorEnv, {
        ...base,
        SQS_RECEIVE_COUNT_MARGIN: '-1',
        SQS_QUEUE_STATUS_INTERVAL_S: '0',
        INGEST_PROBE_MAX_INTERVAL_MS: '10',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'INGEST_PROBE_MAX_INTERVAL_MS',
      'SQS_QUEUE_STATUS_INTERVAL_S',
      'SQS_RECEIVE_COUNT_MARGIN',
    ]);
  });
});
