import type { HandOffVerdict } from './hand-off-verdict';

/** Rejects the waiters of a gate that will not open again (the app is shutting down). */
export class GateAbandonedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'GateAbandonedError';
  }
}

export interface GateEvents {
  closed(reason: string): void;
  probed(verdict: HandOffVerdict | { ok: false; reason: string; error: true }, nextDelayMs: number): void;
  opened(closedForMs: number): void;
}

/**
 * Whether records can be handed to JetStream now. Closed by a failed hand-off; while closed, one probe loop
 * (never a publish) asks JetStream with a growing delay (minMs doubling up to maxMs) and opens the gate on the
 * first healthy answer; wake() probes at once (the NATS connection came back). Waiters (pollers before
 * ReceiveMessage, held batches) resume together when it opens. Invariant: at most one probe in flight, and no
 * probe while open.
 */
export class HandOffGate {
  private closedAt: number | undefined;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private delayMs: number;
  private abandoned: Error | undefined;

  constructor(
    private readonly probe: () => Promise<HandOffVerdict>,
    private readonly opts: { minMs: number; maxMs: number },
    private readonly events: GateEvents,
  ) {
    this.delayMs = opts.minMs;
  }

  get isOpen(): boolean {
    return this.closedAt === undefined;
  }

  /** The wait before the next probe while closed (0 while open). */
  get probeDelayMs(): number {
    return this.isOpen ? 0 : this.delayMs;
  }

  close(reason: string): void {
    if (this.abandoned || !this.isOpen) return;
    this.closedAt = Date.now();
    this.delayMs = this.opts.minMs;
    this.events.closed(reason);
    this.schedule(this.delayMs);
  }

  /** Resolves when the gate is open (at once if it is); rejects with GateAbandonedError after abandon(). */
  wait(): Promise<void> {
    if (this.abandoned) return Promise.reject(this.abandoned);
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Probes now instead of after the current delay; false when the gate is open (nothing to do). */
  wake(): boolean {
    if (this.isOpen || this.abandoned) return false;
    this.delayMs = this.opts.minMs;
    this.schedule(0);
    return true;
  }

  /** No more probes; every waiter, present and future, is rejected. */
  abandon(reason: string): void {
    this.abandoned ??= new GateAbandonedError(reason);
    clearTimeout(this.timer);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(this.abandoned);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runProbe(), ms);
    this.timer.unref?.();
  }

  private async runProbe(): Promise<void> {
    if (this.probing || this.isOpen || this.abandoned) return;
    this.probing = true;
    let verdict: HandOffVerdict | { ok: false; reason: string; error: true };
    try {
      verdict = await this.probe();
    } catch (err) {
      verdict = { ok: false, reason: err instanceof Error ? err.message : String(err), error: true };
    } finally {
      this.probing = false;
    }
    if (this.abandoned || this.isOpen) return;
    if (verdict.ok) {
      const closedFor = Date.now() - (this.closedAt ?? Date.now());
      this.closedAt = undefined;
      this.delayMs = this.opts.minMs;
      this.events.probed(verdict, 0);
      this.events.opened(closedFor);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.resolve();
      return;
    }
    this.delayMs = Math.min(this.opts.maxMs, this.delayMs * 2);
    this.events.probed(verdict, this.delayMs);
    this.schedule(this.delayMs);
  }
}
