import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, onUnauthorized } from './api/client';
import { clearKey, storedKey, storeKey } from './api/session';
import type { Advertiser, Me, Scope } from './api/types';
import { coalesce, type LiveEvent, type LiveMode, subscribeLive } from './live/live';

const RANK: Record<Scope, number> = { read: 0, operator: 1, admin: 2 };

export interface Session {
  key: string;
  me: Me;
  advertisers: Advertiser[];
}

interface SessionContextValue {
  /** undefined while the stored key is being checked; null when signed out */
  session: Session | null | undefined;
  signIn: (key: string) => Promise<void>;
  signOut: () => void;
}

const SessionContext = createContext<SessionContextValue>({
  session: null,
  signIn: async () => undefined,
  signOut: () => undefined,
});

async function open(key: string): Promise<Session> {
  const me = await api<Me>('/v1/me', { key });
  const { data } = await api<{ data: Advertiser[] }>('/v1/advertisers', { key });
  return { key, me, advertisers: data };
}

/** The signed-in key (sessionStorage only), what it may do (GET /v1/me) and its advertisers. */
export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [session, setSession] = useState<Session | null | undefined>(() => (storedKey() ? undefined : null));

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    open(key).then(setSession, () => {
      clearKey();
      setSession(null);
    });
  }, []);
  useEffect(() => onUnauthorized(() => setSession(null)), []);

  const signIn = useCallback(async (key: string) => {
    const s = await open(key);
    storeKey(key);
    setSession(s);
  }, []);
  const signOut = useCallback(() => {
    clearKey();
    setSession(null);
  }, []);
  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  return useContext(SessionContext);
}

/** May the signed-in key do what needs `scope`? (The API checks it again; this only hides what would be refused.) */
export function useCan(scope: Scope): boolean {
  const { session } = useSession();
  return session ? RANK[session.me.scope] >= RANK[scope] : false;
}

/** The advertiser of the current page, with the zone and currency its figures are shown in. */
export function useAdvertiser(advertiserId: string | undefined): Advertiser & { timeZone: string } {
  const { session } = useSession();
  const a = session?.advertisers.find((x) => x.advertiserId === advertiserId);
  return {
    advertiserId: advertiserId ?? '',
    name: a?.name ?? null,
    accountType: a?.accountType ?? null,
    timeZone: a?.timeZone ?? 'UTC',
    currencyCode: a?.currencyCode ?? null,
    countryCode: a?.countryCode ?? null,
  };
}

// ---- live updates: one stream per advertiser shown, shared by the page's parts ----

type LiveListener = (e: LiveEvent) => void;
interface LiveContextValue {
  mode: LiveMode | 'off';
  listen: (l: LiveListener) => () => void;
}
const LiveContext = createContext<LiveContextValue>({ mode: 'off', listen: () => () => undefined });

export function LiveProvider({ advertiserId, children }: { advertiserId?: string; children: ComponentChildren }) {
  const { session } = useSession();
  const listeners = useRef(new Set<LiveListener>());
  const [mode, setMode] = useState<LiveMode | 'off'>('off');
  const key = session?.key;
  useEffect(() => {
    if (!key || !advertiserId) {
      setMode('off');
      return;
    }
    return subscribeLive({
      advertiserId,
      key,
      onEvent: (e) => listeners.current.forEach((l) => l(e)),
      onMode: setMode,
    });
  }, [key, advertiserId]);
  const listen = useCallback((l: LiveListener) => {
    listeners.current.add(l);
    return () => listeners.current.delete(l);
  }, []);
  const value = useMemo(() => ({ mode, listen }), [mode, listen]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveMode(): LiveMode | 'off' {
  return useContext(LiveContext).mode;
}

/** Minimum wait between an event and the refetch it causes (events of a burst share it). */
export const REFRESH_DEBOUNCE_MS = 2_000;

/**
 * Reloads the page's data when a relevant event arrives (and on every poll while the stream is down), coalesced to at
 * most one reload per REFRESH_DEBOUNCE_MS.
 */
export function useLiveRefresh(relevant: (e: Exclude<LiveEvent, { type: 'poll' }>) => boolean, reload: () => void) {
  const { listen } = useContext(LiveContext);
  const relevantRef = useRef(relevant);
  relevantRef.current = relevant;
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  useEffect(() => {
    const run = coalesce(() => reloadRef.current(), REFRESH_DEBOUNCE_MS);
    const stop = listen((e) => {
      if (e.type === 'poll' || relevantRef.current(e)) run();
    });
    return () => {
      stop();
      run.cancel();
    };
  }, [listen]);
}
