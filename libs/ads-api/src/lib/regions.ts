/**
 * Amazon Ads API regions: the API host serving each region's profiles, and its Login with Amazon token URL.
 * Access tokens are global (one token works on every host); a profile is only visible on its region's host.
 */
export const ADS_REGIONS = ['NA', 'EU', 'FE'] as const;
export type AdsRegion = (typeof ADS_REGIONS)[number];

export const ADS_API_HOSTS: Readonly<Record<AdsRegion, string>> = {
  NA: 'https://advertising-api.amazon.com',
  EU: 'https://advertising-api-eu.amazon.com',
  FE: 'https://advertising-api-fe.amazon.com',
};

export const LWA_TOKEN_URLS: Readonly<Record<AdsRegion, string>> = {
  NA: 'https://api.amazon.com/auth/o2/token',
  EU: 'https://api.amazon.co.uk/auth/o2/token',
  FE: 'https://api.amazon.co.jp/auth/o2/token',
};

/** Countries served by each region's host (for routing a profile's calls and for documentation). */
export const REGION_COUNTRIES: Readonly<Record<AdsRegion, readonly string[]>> = {
  NA: ['US', 'CA', 'MX', 'BR'],
  EU: ['UK', 'GB', 'DE', 'FR', 'IT', 'ES', 'NL', 'SE', 'PL', 'BE', 'TR', 'AE', 'SA', 'EG', 'IN', 'ZA', 'IE'],
  FE: ['JP', 'AU', 'SG'],
};

export function isAdsRegion(value: unknown): value is AdsRegion {
  return typeof value === 'string' && (ADS_REGIONS as readonly string[]).includes(value);
}

export function regionOfCountry(countryCode: string): AdsRegion | undefined {
  return ADS_REGIONS.find((r) => REGION_COUNTRIES[r].includes(countryCode.toUpperCase()));
}

/**
 * The base URL of the API and the token URL: the region's defaults, or the overrides (an emulator, a
 * proxy). Overrides lose a trailing slash so paths join cleanly.
 */
export function resolveEndpoints(o: { region: AdsRegion; apiEndpoint?: string; lwaEndpoint?: string }): {
  apiBaseUrl: string;
  tokenUrl: string;
} {
  return {
    apiBaseUrl: (o.apiEndpoint ?? ADS_API_HOSTS[o.region]).replace(/\/+$/, ''),
    tokenUrl: o.lwaEndpoint ?? LWA_TOKEN_URLS[o.region],
  };
}
