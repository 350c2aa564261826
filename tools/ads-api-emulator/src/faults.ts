/**
 * Faults a test injects: each matches requests by route (and method), fires `times` times (default 1),
 * and replaces or spoils the answer. Faults fire in the order they were added.
 */
export type EmulatorRoute = 'token' | 'profiles' | 'streams' | 'sp' | 'sb' | 'sd';

export type FaultAction =
  /** answer with this status (and headers/body) instead: 429 with or without Retry-After, 5xx, invalid_grant… */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** do the work, then answer only after `ms` (a client with a shorter timeout gives up first) */
  | { kind: 'delay'; ms: number }
  /** do the work, then spoil the 2xx body */
  | { kind: 'malformed'; body: 'html' | 'truncated' | 'unknown-field' | 'missing-field'; field?: string }
  /** refuse the bearer token with 401, as for an expired token */
  | { kind: 'unauthorized' }
  /**
   * writes (PUT) only: item `index` of the next matching batch fails with this error (SP/SB v4 `errorType`,
   * default `otherError`; SB v3/SD `code`, default `INTERNAL_ERROR`) and is not applied; the others are
   */
  | { kind: 'item-error'; index: number; errorType?: string; code?: string }
  /** writes (PUT) only: item `index` of the next matching batch is throttled (`throttledError` / `THROTTLED`), not applied */
  | { kind: 'item-throttled'; index: number };

export type ItemFault = Extract<FaultAction, { kind: 'item-error' | 'item-throttled' }>;
const isItemFault = (a: FaultAction): a is ItemFault => a.kind === 'item-error' || a.kind === 'item-throttled';

export interface FaultSpec {
  route: EmulatorRoute;
  method?: string;
  /** how many matching requests it applies to (default 1) */
  times?: number;
  action: FaultAction;
}

interface ArmedFault extends FaultSpec {
  left: number;
}

export class FaultQueue {
  private readonly faults: ArmedFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push({ ...spec, left: spec.times ?? 1 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The fault for this request, if any (consumed). Item faults match only writes (PUT). */
  take(route: EmulatorRoute, method: string): FaultAction | undefined {
    const i = this.faults.findIndex(
      (f) =>
        f.route === route &&
        (!f.method || f.method === method) &&
        f.left > 0 &&
        (!isItemFault(f.action) || method === 'PUT'),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.left--;
    if (f.left === 0) this.faults.splice(i, 1);
    return f.action;
  }

  get pending(): number {
    return this.faults.reduce((s, f) => s + f.left, 0);
  }
}

/** Spoils a JSON answer the way a broken proxy or a changed API would. */
export function spoil(json: string, how: Extract<FaultAction, { kind: 'malformed' }>): string {
  switch (how.body) {
    case 'html':
      return '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';
    case 'truncated':
      return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
    case 'unknown-field':
      return mutateFirst(json, (o) => {
        o['surpriseField'] = 'added by the emulator';
      });
    case 'missing-field':
      return mutateFirst(json, (o) => {
        const field = how.field ?? Object.keys(o)[0];
        delete o[field];
      });
  }
}

/** Applies `f` to the first object of the answer: the first item of its first array, or the root object. */
function mutateFirst(json: string, f: (o: Record<string, unknown>) => void): string {
  // raw int64 numbers must survive the round trip: quote them first, unquote after
  const quoted = json.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"#int#$2"');
  const root = JSON.parse(quoted) as unknown;
  const target = Array.isArray(root)
    ? root[0]
    : ((
        Object.values(root as Record<string, unknown>).find((v) => Array.isArray(v) && v.length > 0) as
          | unknown[]
          | undefined
      )?.[0] ??
      (Object.values(root as Record<string, unknown>).find(
        (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      ) as unknown) ??
      root);
  if (typeof target === 'object' && target !== null) f(target as Record<string, unknown>);
  return JSON.stringify(root).replace(/"#int#(-?\d+)"/g, '$1');
}
