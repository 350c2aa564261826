/**
 * A job run every `everyMs` after the previous run ended, never two at once: the schedulers that no event drives
 * (stale data, dayparting windows, digests). A run's failure goes to `onError` and the next run comes at its time;
 * `stop()` cancels the next run and waits for one in progress, so a shutdown never cuts a run in half. The timer does
 * not keep the process alive.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly everyMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.run()
        .then(
          () => undefined,
          (err: unknown) => this.onError(err),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.everyMs);
    this.timer.unref();
  }
}
