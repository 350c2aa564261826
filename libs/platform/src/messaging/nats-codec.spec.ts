import { ErrorCode, NatsError } from 'nats';
import { isTransientJetStreamError, retryTransient } from './nats-codec';

const natsError = (code: string, apiCode?: number) => {
  const e = new NatsError('x', code);
  if (apiCode !== undefined) e.api_error = { code: 503, err_code: apiCode, description: 'x' };
  return e;
};

describe('transient JetStream failures (a cluster electing a leader)', () => {
  it('are timeouts, no responders and the cluster-unavailable API errors; nothing else', () => {
    expect(isTransientJetStreamError(natsError(ErrorCode.Timeout))).toBe(true);
    expect(isTransientJetStreamError(natsError(ErrorCode.NoResponders))).toBe(true);
    expect(isTransientJetStreamError(natsError('500', 10008))).toBe(true);
    expect(isTransientJetStreamError(natsError('400', 10005))).toBe(true);
    expect(isTransientJetStreamError(natsError('400', 10058))).toBe(false); // stream name in use
    expect(isTransientJetStreamError(natsError(ErrorCode.PermissionsViolation))).toBe(false);
    expect(isTransientJetStreamError(new Error('boom'))).toBe(false);
  });

  it('are retried until the step succeeds; another error is thrown at once', async () => {
    let calls = 0;
    const retries: string[] = [];
    await expect(
      retryTransient(
        'step',
        async () => {
          if (++calls < 3) throw natsError(ErrorCode.Timeout);
          return 'done';
        },
        (m) => retries.push(m),
      ),
    ).resolves.toBe('done');
    expect(calls).toBe(3);
    expect(retries).toHaveLength(2);
    calls = 0;
    await expect(
      retryTransient(
        'step',
        async () => {
          calls++;
          throw natsError(ErrorCode.PermissionsViolation);
        },
        () => undefined,
      ),
    ).rejects.toThrow('x');
    expect(calls).toBe(1);
  });

  it('gives up at the deadline with the last error', async () => {
    let calls = 0;
    await expect(
      retryTransient(
        'step',
        async () => {
          calls++;
          throw natsError(ErrorCode.Timeout);
        },
        () => undefined,
        300,
      ),
    ).rejects.toThrow('x');
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
