import { waitFor } from '@ams/testing';
import { GateAbandonedError, HandOffGate } from './hand-off-gate';
import type { HandOffVerdict } from './hand-off-verdict';

/** The gate with a probe whose answers the test sets (the probe is the gate's input, not our code under test). */
function gate(answers: Array<HandOffVerdict | Error>, opts = { minMs: 20, maxMs: 80 }) {
  const calls: number[] = [];
  const events: string[] = [];
  const g = new HandOffGate(
    async () => {
      calls.push(Date.now());
      const next = answers.length > 1 ? answers.shift() : answers[0];
      if (next instanceof Error) throw next;
      return next as HandOffVerdict;
    },
    opts,
    {
      closed: (r) => events.push(`closed ${r}`),
      probed: (v, next) => events.push(`probed ${v.ok} ${next}`),
      opened: () => events.push('opened'),
    },
  );
  return { g, calls, events };
}

describe('HandOffGate', () => {
  it('is open until a failure; waiters resume together when a probe answers healthy; no probe while open', async () => {
    const { g, calls, events } = gate([new Error('timeout'), { ok: false, reason: 'full' }, { ok: true }]);
    await g.wait();
    g.close('publish failed');
    expect(g.isOpen).toBe(false);
    const waiting = [g.wait(), g.wait()];
    await Promise.all(waiting);
    expect(g.isOpen).toBe(true);
    expect(calls).toHaveLength(3);
    expect(events).toEqual(['closed publish failed', 'probed false 40', 'probed false 80', 'probed true 0', 'opened']);
  });

  it('probes at once on wake() instead of waiting out the delay', async () => {
    // after the first refusal the next probe is 60 s away: only wake() can open the gate within the test
    const { g, calls } = gate([{ ok: false, reason: 'down' }, { ok: true }], { minMs: 30_000, maxMs: 60_000 });
    g.close('down');
    expect(g.wake()).toBe(true);
    await waitFor(() => calls.length === 1 && !g.isOpen, {
      description: 'the first probe refused',
      timeoutMs: 2000,
      intervalMs: 5,
    });
    expect(g.probeDelayMs).toBe(60_000);
    expect(g.wake()).toBe(true);
    await g.wait();
    expect(calls).toHaveLength(2);
    expect(g.wake()).toBe(false);
  });

  it('rejects every waiter, present and future, once abandoned', async () => {
    const { g } = gate([{ ok: false, reason: 'down' }]);
    g.close('down');
    const w = g.wait();
    g.abandon('shutting down');
    await expect(w).rejects.toBeInstanceOf(GateAbandonedError);
    await expect(g.wait()).rejects.toThrow('shutting down');
  });
});
