import { type AdsProfile, regionOfCountry } from '@ams/ads-api';
import type { AdsRegionCode } from '@ams/contracts';

/** A row of `ads_profile` as the profile sync writes it. */
export interface ProfileRow {
  profileId: string;
  region: AdsRegionCode;
  advertiserId: string;
  marketplaceId: string;
  countryCode: string;
  currencyCode: string;
  timeZone: string;
  accountType: 'seller' | 'vendor' | 'agency';
  accountName: string | null;
  accountSubType: string | null;
  /** decimal text (sellers' SP daily budget), null when Amazon sends none */
  dailyBudget: string | null;
}

/** Amazon's profile ids are int64: exact digits, no sign, no leading zero (the table's check). */
const PROFILE_ID = /^[1-9][0-9]{0,19}$/;

/**
 * `GET /v2/profiles` item → row. `region` is the host's region when listed on a regional host; with an override host
 * (which serves every region) it is the profile's country's region, else `fallbackRegion`. A profile that cannot be
 * stored (an id that is not int64 digits, a time zone that is not IANA) is a reason, not a row.
 */
export function profileRow(
  p: AdsProfile,
  host: { region: AdsRegionCode; override: boolean },
): { row: ProfileRow } | { problem: string } {
  if (!PROFILE_ID.test(p.profileId)) return { problem: `profileId ${JSON.stringify(p.profileId)} is not an int64 id` };
  if (!isIanaTimeZone(p.timezone))
    return { problem: `profile ${p.profileId}: timezone ${JSON.stringify(p.timezone)} is not an IANA time zone` };
  const region = host.override ? (regionOfCountry(p.countryCode) ?? host.region) : host.region;
  return {
    row: {
      profileId: p.profileId,
      region,
      advertiserId: p.accountInfo.id,
      marketplaceId: p.accountInfo.marketplaceStringId,
      countryCode: p.countryCode,
      currencyCode: p.currencyCode,
      timeZone: p.timezone,
      accountType: p.accountInfo.type,
      accountName: p.accountInfo.name || null,
      accountSubType: p.accountInfo.subType ?? null,
      dailyBudget: p.dailyBudget === undefined ? null : decimalText(p.dailyBudget),
    },
  };
}

export function isIanaTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    // an Area/Location name (or UTC): Intl also accepts legacy abbreviations such as PST, which are not zones
    return tz === 'UTC' || /^[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(tz);
  } catch {
    return false;
  }
}

/** A JSON number as decimal text for a `numeric` column (no exponent for the magnitudes money has). */
export function decimalText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return Number.isInteger(n) ? BigInt(n).toString() : n.toFixed(20).replace(/\.?0+$/, '');
}
