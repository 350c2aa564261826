import { AdsLogger, silentAdsLogger } from './logger';
import { BackoffPolicy, DEFAULT_BACKOFF } from './backoff';

/** What the HTTP client and the token provider run on; each may be replaced (tests inject clocks and fetch). */
export interface AdsRuntimeOptions {
  retry?: Partial<BackoffPolicy>;
  logger?: AdsLogger;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface AdsRuntime {
  policy: BackoffPolicy;
  log: AdsLogger;
  fetchFn: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The options with every default filled in: DEFAULT_BACKOFF, a silent logger, global fetch, the real clock. */
export function resolveRuntime(o: AdsRuntimeOptions): AdsRuntime {
  return {
    policy: { ...DEFAULT_BACKOFF, ...o.retry },
    log: o.logger ?? silentAdsLogger,
    fetchFn: o.fetch ?? fetch,
    now: o.now ?? Date.now,
    sleep: o.sleep ?? defaultSleep,
    random: o.random ?? Math.random,
  };
}
