import { useLocation } from 'preact-iso';

/**
 * Page state kept in the query string (range, metric, sort, filters), so a URL is shareable: `query` as parsed and
 * `set` to change some keys (an empty value removes the key; the history entry is replaced, not added).
 */
export function useQueryState(): {
  query: Record<string, string>;
  set: (patch: Record<string, string | undefined>) => void;
} {
  const { path, query, route } = useLocation();
  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams();
    const merged = { ...query, ...patch };
    for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '') next.set(k, v);
    const s = next.toString();
    route(`${path}${s ? `?${s}` : ''}`, true);
  };
  return { query, set };
}

/** One of `allowed`, else the first. */
export function pick<T extends string>(value: string | undefined, allowed: readonly T[]): T {
  return (allowed as readonly string[]).includes(value ?? '') ? (value as T) : allowed[0];
}
