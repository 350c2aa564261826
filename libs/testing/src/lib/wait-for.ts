import { inspect } from 'node:util';

export interface WaitForOptions {
  /** Deadline for the whole wait. Default 15000. */
  timeoutMs?: number;
  /** Pause between two probes. Default 50. */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  description?: string;
}

type Falsy = undefined | null | false;

const PENDING = Symbol('pending');

function describe(value: unknown): string {
  if (value === PENDING) return 'probe still running at the deadline';
  if (value instanceof Error) return `error: ${value.message}`;
  return inspect(value, { depth: 4, breakLength: Infinity, maxStringLength: 500, maxArrayLength: 20 });
}

/**
 * Polls `probe` until it returns (or resolves to) a truthy value and resolves with that value.
 * A probe that throws counts as "not yet"; its error is reported if the deadline passes.
 * Probes never overlap: the next one starts `intervalMs` after the previous one settled.
 */
export async function waitFor<T>(probe: () => Promise<T | Falsy> | T | Falsy, opts: WaitForOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const intervalMs = opts.intervalMs ?? 50;
  const description = opts.description ?? 'condition';
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;

  for (;;) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const attempt = Promise.resolve().then(probe);
      // a probe that hangs must not hold the wait past its deadline
      const result = await Promise.race([
        attempt,
        new Promise<typeof PENDING>((resolve) => {
          timer = setTimeout(() => resolve(PENDING), Math.max(remaining, 0));
        }),
      ]);
      if (result === PENDING) {
        attempt.catch(() => undefined);
        last = PENDING;
      } else {
        if (result) return result as T;
        last = result;
      }
    } catch (err) {
      last = err;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs}ms waiting for ${description}; last value/error: ${describe(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(deadline - Date.now(), 0))));
  }
}

/** A promise with its open function, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
