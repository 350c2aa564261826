import type {
  SbAdGroup,
  SbCampaign,
  SbKeyword,
  SbTarget,
  SdAdGroup,
  SdCampaign,
  SdTarget,
  SpCampaign,
  SpKeyword,
  SpTarget,
} from '@ams/ads-api';
import {
  amazonUpdatedAt,
  expressionText,
  sbAdGroupRow,
  sbCampaignRow,
  sbKeywordRow,
  sbTargetRow,
  sdAdGroupRow,
  sdCampaignRow,
  sdTargetRow,
  spCampaignRow,
  spKeywordRow,
  spTargetRow,
} from './entity-row.logic';

const ctx = {
  profileId: '9007199254740993',
  advertiserId: 'ENTITY1',
  marketplaceId: 'A1PA6795UKMFR9',
  currencyCode: 'EUR',
  observedAt: new Date('2026-12-01T10:00:00.000Z'),
};

describe('entity rows (Ads API → AMS vocabulary)', () => {
  it('maps an SP campaign: budget, currency of the profile, portfolio, the campaign as its own campaign_id', () => {
    const c = {
      campaignId: '123456789012345678901',
      name: 'SP - Exact',
      state: 'ENABLED',
      budget: { budget: 25.5, budgetType: 'DAILY' },
      portfolioId: '42',
      extendedData: { lastUpdateDateTime: '2026-11-30T08:00:00Z' },
    } as SpCampaign;
    expect(spCampaignRow(c, ctx)).toMatchObject({
      entityType: 'campaign',
      entityId: '123456789012345678901',
      campaignId: '123456789012345678901',
      adProduct: 'SPONSORED_PRODUCTS',
      targetKind: null,
      budgetAmount: '25.5',
      budgetType: 'DAILY',
      budgetCurrency: 'EUR',
      portfolioId: '42',
      amazonUpdatedAt: '2026-11-30T08:00:00.000Z',
      observedAt: '2026-12-01T10:00:00.000Z',
      raw: c,
    });
  });

  it('maps a keyword as a target of kind keyword named by its text, and a product target by its expression', () => {
    const k = {
      keywordId: '7',
      adGroupId: '6',
      campaignId: '5',
      keywordText: 'wireless earbuds',
      matchType: 'exact',
      state: 'PAUSED',
      bid: 0.35,
    } as SpKeyword;
    expect(spKeywordRow(k, ctx)).toMatchObject({
      entityType: 'target',
      targetKind: 'keyword',
      name: 'wireless earbuds',
      matchType: 'EXACT',
      state: 'PAUSED',
      bid: '0.35',
      adGroupId: '6',
    });
    const t = {
      targetId: '8',
      adGroupId: '6',
      campaignId: '5',
      expression: [{ type: 'ASIN_SAME_AS', value: 'B0ABC' }],
      expressionType: 'MANUAL',
      state: 'ENABLED',
    } as SpTarget;
    expect(spTargetRow(t, ctx)).toMatchObject({ targetKind: 'target', name: 'ASIN_SAME_AS=B0ABC', bid: null });
  });

  it('uppercases SD states and budget types, keeps SB budgets', () => {
    const sd = {
      campaignId: '9007199254740995',
      name: 'SD',
      state: 'archived',
      budget: 10,
      budgetType: 'daily',
    } as SdCampaign;
    expect(sdCampaignRow(sd, ctx)).toMatchObject({
      adProduct: 'SPONSORED_DISPLAY',
      entityId: '9007199254740995',
      state: 'ARCHIVED',
      budgetType: 'DAILY',
      budgetAmount: '10',
    });
    const sb = { campaignId: '1', name: 'SB', state: 'ENABLED', budget: 1e-7, budgetType: 'LIFETIME' } as SbCampaign;
    expect(sbCampaignRow(sb, ctx)).toMatchObject({
      adProduct: 'SPONSORED_BRANDS',
      budgetType: 'LIFETIME',
      budgetAmount: '0.0000001',
    });
  });

  it('reads lastUpdateDateTime only when it is a date, and renders expressions without values', () => {
    expect(amazonUpdatedAt({ lastUpdateDateTime: 'yesterday' })).toBeNull();
    expect(amazonUpdatedAt(null)).toBeNull();
    expect(expressionText([{ type: 'QUERY_HIGH_REL_MATCHES' }, { type: 'ASIN_PRICE_LESS_THAN', value: 25 }])).toBe(
      'QUERY_HIGH_REL_MATCHES ASIN_PRICE_LESS_THAN=25',
    );
  });

  it('maps SB ad groups, keywords and targets: no ad group bid, v3 states and match types UPPERCASE', () => {
    const g = { adGroupId: '11', campaignId: '10', name: 'SB group', state: 'ENABLING' } as SbAdGroup;
    expect(sbAdGroupRow(g, ctx)).toMatchObject({
      entityType: 'ad_group',
      adProduct: 'SPONSORED_BRANDS',
      entityId: '11',
      adGroupId: '11',
      campaignId: '10',
      targetKind: null,
      name: 'SB group',
      state: 'ENABLING',
      bid: null,
    });
    const k = {
      keywordId: '9223372036854775807',
      adGroupId: '11',
      campaignId: '10',
      keywordText: 'bluetooth kopfhörer',
      matchType: 'phrase',
      state: 'pending',
      bid: 1.05,
    } as SbKeyword;
    expect(sbKeywordRow(k, ctx)).toMatchObject({
      entityType: 'target',
      targetKind: 'keyword',
      adProduct: 'SPONSORED_BRANDS',
      entityId: '9223372036854775807',
      name: 'bluetooth kopfhörer',
      matchType: 'PHRASE',
      state: 'PENDING',
      bid: '1.05',
      raw: k,
    });
    const t = {
      targetId: '12',
      adGroupId: '11',
      campaignId: '10',
      expressions: [{ type: 'asinSameAs', value: 'B0SB000001' }],
      state: 'draft',
    } as SbTarget;
    expect(sbTargetRow(t, ctx)).toMatchObject({
      entityType: 'target',
      targetKind: 'target',
      matchType: null,
      name: 'asinSameAs=B0SB000001',
      state: 'DRAFT',
      bid: null,
    });
  });

  it('maps SD ad groups with their default bid, and SD targets named by nested expressions', () => {
    const g = { adGroupId: '21', campaignId: '20', name: 'SD group', state: 'paused', defaultBid: 0.9 } as SdAdGroup;
    expect(sdAdGroupRow(g, ctx)).toMatchObject({
      entityType: 'ad_group',
      adProduct: 'SPONSORED_DISPLAY',
      state: 'PAUSED',
      bid: '0.9',
      budgetAmount: null,
    });
    expect(sdAdGroupRow({ ...g, defaultBid: undefined } as unknown as SdAdGroup, ctx).bid).toBeNull();
    const t = {
      targetId: '22',
      adGroupId: '21',
      campaignId: '20',
      expressionType: 'manual',
      expression: [
        {
          type: 'views',
          value: [{ type: 'exactProduct' }, { type: 'lookback', value: '30' }],
        },
      ],
      state: 'enabled',
      bid: 0.45,
    } as SdTarget;
    expect(sdTargetRow(t, ctx)).toMatchObject({
      entityType: 'target',
      targetKind: 'target',
      adProduct: 'SPONSORED_DISPLAY',
      adGroupId: '21',
      name: 'views=(exactProduct lookback=30)',
      state: 'ENABLED',
      bid: '0.45',
    });
    expect(expressionText([{ type: 'audience', value: [{ type: 'audienceSameAs', value: '123' }] }])).toBe(
      'audience=(audienceSameAs=123)',
    );
    expect(expressionText([{ type: 'x', value: [1, 2] }])).toBe('x=[1,2]');
  });
});
