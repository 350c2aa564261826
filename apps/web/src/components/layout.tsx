import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { useLiveMode, useSession } from '../session';

const SECTIONS = [
  { label: 'Overview', suffix: '' },
  { label: 'Campaigns', suffix: '/campaigns' },
  { label: 'Alerts', suffix: '/alerts' },
  { label: 'Alert rules', suffix: '/alert-rules' },
  { label: 'Automation', suffix: '/automation' },
];

const LAST_ADVERTISER = 'ams-sentinel.advertiser';

/** The advertiser last shown (for /pipeline's links back), from this tab's session. */
export function lastAdvertiser(): string | null {
  try {
    return sessionStorage.getItem(LAST_ADVERTISER);
  } catch {
    return null;
  }
}

const LIVE_TEXT = { off: '', connecting: 'Connecting…', live: 'Live', polling: 'Refreshing every minute' } as const;

/** Header (advertiser picker, live state, sign out), the nav, and the page. */
export function Layout({
  advertiserId,
  bare,
  children,
}: {
  advertiserId?: string;
  bare?: boolean;
  children: ComponentChildren;
}) {
  const { session, signOut } = useSession();
  const { path, route } = useLocation();
  const mode = useLiveMode();
  if (advertiserId) {
    try {
      sessionStorage.setItem(LAST_ADVERTISER, advertiserId);
    } catch {
      // storage unavailable: links fall back to the first advertiser
    }
  }
  const current = advertiserId ?? lastAdvertiser() ?? session?.advertisers[0]?.advertiserId;
  const base = current ? `/advertisers/${encodeURIComponent(current)}` : undefined;
  const onPick = (e: Event) => {
    const next = (e.currentTarget as HTMLSelectElement).value;
    // the same section for the other advertiser (an alert or a campaign of this one means nothing there)
    const section = advertiserId ? (/^\/advertisers\/[^/]+(\/[a-z-]+)?/.exec(path)?.[1] ?? '') : '';
    route(`/advertisers/${encodeURIComponent(next)}${section}`);
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={base ?? '/'}>
          ams-sentinel
        </a>
        {session && !bare ? (
          <>
            {session.advertisers.length ? (
              <label class="picker">
                <span>Advertiser</span>
                <select value={current} onChange={onPick}>
                  {session.advertisers.map((a) => (
                    <option key={a.advertiserId} value={a.advertiserId}>
                      {a.name ? `${a.name} (${a.advertiserId})` : a.advertiserId}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <span class={`live live-${mode}`} role="status">
              {LIVE_TEXT[mode]}
            </span>
            <span class="scope" title={`key ${session.me.keyId}`}>
              {session.me.scope} key
            </span>
            <button type="button" class="secondary" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : null}
      </header>
      {session && !bare ? (
        <nav class="sections" aria-label="Sections">
          <ul>
            {base
              ? SECTIONS.map((s) => {
                  const href = `${base}${s.suffix}`;
                  const active = s.suffix === '' ? path === href : path.startsWith(href);
                  return (
                    <li key={s.label}>
                      <a href={href} aria-current={active ? 'page' : undefined}>
                        {s.label}
                      </a>
                    </li>
                  );
                })
              : null}
            <li>
              <a href="/pipeline" aria-current={path === '/pipeline' ? 'page' : undefined}>
                Pipeline
              </a>
            </li>
          </ul>
        </nav>
      ) : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
