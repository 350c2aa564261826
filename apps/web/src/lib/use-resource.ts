import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  /** true until the first answer (a reload keeps showing the data it has) */
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data for a page and reloads it on demand (a live event, an action); a newer load aborts the older one, and a
 * reload keeps the data shown until the new answer replaces it (no flicker). Changing `deps` starts over.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    setState({ loading: true });
  }, deps);

  useEffect(() => {
    const ctrl = new AbortController();
    loadRef
      .current(ctrl.signal)
      .then((data) => {
        if (!ctrl.signal.aborted) setState({ data, loading: false });
      })
      .catch((error: unknown) => {
        if (ctrl.signal.aborted) return;
        setState((s) => ({
          data: s.data,
          error: error instanceof Error ? error : new Error(String(error)),
          loading: false,
        }));
      });
    return () => ctrl.abort();
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
