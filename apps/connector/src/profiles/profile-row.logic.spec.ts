import type { AdsProfile } from '@ams/ads-api';
import { decimalText, isIanaTimeZone, profileRow } from './profile-row.logic';

const profile = (over: Partial<AdsProfile> = {}): AdsProfile =>
  ({
    profileId: '9007199254740993',
    countryCode: 'DE',
    currencyCode: 'EUR',
    timezone: 'Europe/Berlin',
    dailyBudget: 150.25,
    accountInfo: { marketplaceStringId: 'A1PA6795UKMFR9', id: 'ENTITY2I', type: 'vendor', name: 'Acme DE' },
    ...over,
  }) as AdsProfile;

describe('profile rows', () => {
  it('keeps the id exact, takes the account id as advertiser and the host region (or the country on an override)', () => {
    expect(profileRow(profile(), { region: 'NA', override: false })).toEqual({
      row: {
        profileId: '9007199254740993',
        region: 'NA',
        advertiserId: 'ENTITY2I',
        marketplaceId: 'A1PA6795UKMFR9',
        countryCode: 'DE',
        currencyCode: 'EUR',
        timeZone: 'Europe/Berlin',
        accountType: 'vendor',
        accountName: 'Acme DE',
        accountSubType: null,
        dailyBudget: '150.25',
      },
    });
    expect(profileRow(profile(), { region: 'NA', override: true })).toMatchObject({ row: { region: 'EU' } });
    expect(profileRow(profile({ countryCode: 'XX' }), { region: 'FE', override: true })).toMatchObject({
      row: { region: 'FE' },
    });
  });

  it('refuses what the table cannot hold: a non-IANA zone, an id with a sign or leading zero', () => {
    expect(profileRow(profile({ timezone: 'PST' }), { region: 'NA', override: false })).toEqual({
      problem: expect.stringMatching(/not an IANA time zone/),
    });
    expect(profileRow(profile({ profileId: '0123' }), { region: 'NA', override: false })).toEqual({
      problem: expect.stringMatching(/not an int64 id/),
    });
    expect(isIanaTimeZone('Asia/Tokyo')).toBe(true);
    expect(isIanaTimeZone('Mars/Olympus')).toBe(false);
  });

  it('writes numbers as plain decimals', () => {
    expect(decimalText(0.1)).toBe('0.1');
    expect(decimalText(1e21)).toBe('1000000000000000000000');
    expect(() => decimalText(Number.NaN)).toThrow(RangeError);
  });
});
