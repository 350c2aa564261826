import { waitFor } from '@ams/testing';
import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  it('runs again after each run, never two at once, and carries on after a failure', async () => {
    let runs = 0;
    let inFlight = 0;
    let overlapped = false;
    const errors: unknown[] = [];
    const task = new PeriodicTask(
      5,
      async () => {
        inFlight++;
        overlapped ||= inFlight > 1;
        runs++;
        await new Promise<void>((resolve) => setImmediate(resolve));
        inFlight--;
        if (runs === 2) throw new Error('second run fails');
      },
      (err) => errors.push(err),
    );
    task.start();
    await waitFor(() => runs >= 4, { timeoutMs: 5000, description: 'four runs' });
    await task.stop();
    expect(overlapped).toBe(false);
    expect(errors).toEqual([new Error('second run fails')]);
  });

  it('stop() waits for the run in progress', async () => {
    let release!: () => void;
    let started = 0;
    let finished = 0;
    const task = new PeriodicTask(
      5,
      async () => {
        started++;
        await new Promise<void>((resolve) => (release = resolve));
        finished++;
      },
      () => undefined,
    );
    task.start();
    await waitFor(() => started === 1, { timeoutMs: 5000, description: 'the first run' });
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false); // the run is still in progress
    release();
    await stopping;
    expect(finished).toBe(1);
    expect(started).toBe(1);
  });
});
