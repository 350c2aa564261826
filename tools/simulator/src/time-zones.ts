/**
 * Advertiser-local time from the IANA time zone database Node ships (full ICU): the real UTC offset of
 * each simulated hour, so DST days have 23 or 25 hours, exactly as AMS reports them.
 */

export const HOUR_MS = 3_600_000;

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `utcMs`, in minutes (-420 for 2025-06-03 in America/Los_Angeles). */
export function utcOffsetMinutes(timeZone: string, utcMs: number): number {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formats.set(timeZone, f);
  }
  const name = f.formatToParts(utcMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset ${name} for ${timeZone}`);
  if (!m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2025-06-03T10:00:00-07:00`: what AMS puts in time_window_start (and what the api prints for an hour). */
export function localIso(utcMs: number, offsetMinutes: number): string {
  return `${new Date(utcMs + offsetMinutes * 60_000).toISOString().slice(0, 19)}${formatOffset(offsetMinutes)}`;
}

export function localDate(utcMs: number, offsetMinutes: number): string {
  return new Date(utcMs + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The UTC instant at which `date` (YYYY-MM-DD) begins in `timeZone`. */
export function localMidnightUtc(timeZone: string, date: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let guess = wall - utcOffsetMinutes(timeZone, wall) * 60_000;
  guess = wall - utcOffsetMinutes(timeZone, guess) * 60_000;
  return guess;
}
