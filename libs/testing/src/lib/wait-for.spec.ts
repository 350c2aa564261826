import { gate, waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy probe result', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 5 });
    expect(value).toEqual({ calls: 3 });
  });

  it('accepts async probes and treats throwing probes as not-yet', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      { intervalMs: 5 },
    );
    expect(value).toBe('done');
  });

  it('times out with the description and the last value', async () => {
    const started = Date.now();
    await expect(
      waitFor(() => false, { timeoutMs: 200, intervalMs: 20, description: 'the queue to drain' }),
    ).rejects.toThrow(/^Timed out after 200ms waiting for the queue to drain; last value\/error: false$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports the last error of a throwing probe', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 100, intervalMs: 10, description: 'postgres' },
      ),
    ).rejects.toThrow(/waiting for postgres; last value\/error: error: connection refused/);
  });

  it('does not wait past the deadline for a hung probe', async () => {
    const started = Date.now();
    await expect(waitFor(() => new Promise<boolean>(() => undefined), { timeoutMs: 150 })).rejects.toThrow(
      /probe still running at the deadline/,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('gate', () => {
  it('holds its promise until opened', async () => {
    const g = gate();
    let passed = false;
    const held = g.promise.then(() => (passed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(passed).toBe(false);
    g.open();
    await held;
    expect(passed).toBe(true);
  });
});
