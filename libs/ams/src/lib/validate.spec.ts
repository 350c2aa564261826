import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  type BudgetUsageRecord,
  type EntityRecord,
  type PerformanceRecord,
  METRIC_NAMES,
  MONEY_METRICS,
  QUARANTINE_CODES,
  escapeKeyPart,
  validateRecord,
} from './validate';

const FIXTURES = join(__dirname, '../../fixtures');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

const SP_TRAFFIC = '02-sp-traffic.sqs-body.json';

function ok(input: unknown) {
  const r = validateRecord(input);
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.reason}`);
  return r;
}
function perf(input: unknown): PerformanceRecord {
  const { record } = ok(input);
  if (record.kind !== 'performance') throw new Error(record.kind);
  return record;
}
function bad(input: unknown) {
  const r = validateRecord(input);
  if (r.ok) throw new Error(`expected a failure, got ok (${r.dedupKey})`);
  return r;
}
const zeroMetrics = Object.fromEntries(METRIC_NAMES.map((m) => [m, '0']));

describe('validateRecord — fixtures', () => {
  it('02 sp-traffic', () => {
    const r = ok(fixture(SP_TRAFFIC));
    expect(r.dedupKey).toBe('A1EXAMPLEADV01:e96bfd9b-626b-4f96-9d98-04561b68f233');
    expect(r.record).toEqual({
      kind: 'performance',
      datasetId: 'sp-traffic',
      adProduct: 'sp',
      family: 'traffic',
      idempotencyId: 'e96bfd9b-626b-4f96-9d98-04561b68f233',
      advertiserId: 'A1EXAMPLEADV01',
      marketplaceId: 'ATVPDKIKX0DER',
      currency: 'USD',
      campaignId: '185402650650808',
      adGroupId: '230449422777252',
      adId: '167430181164441',
      keywordId: '236652758809586',
      keywordText: 'wireless earbuds',
      matchType: 'EXACT',
      placement: 'Top of Search on-Amazon',
      hourStartUtc: '2025-06-03T17:00:00.000Z',
      utcOffsetMinutes: -420,
      localDate: '2025-06-03',
      metrics: {
        ...zeroMetrics,
        impressions: '412',
        clicks: '7',
        cost: '6.93',
      },
      extra: {},
    });
  });

  it('03 restatement: same key and hour as 02, different idempotency id, negative deltas', () => {
    const a = perf(fixture(SP_TRAFFIC));
    const b = perf(fixture('03-sp-traffic-restatement-delta.sqs-body.json'));
    expect(b.idempotencyId).not.toBe(a.idempotencyId);
    expect(ok(fixture('03-sp-traffic-restatement-delta.sqs-body.json')).dedupKey).toBe(
      'A1EXAMPLEADV01:9e6b4357-6da3-45f3-a6ac-fd4a9bbd49b1',
    );
    const key = (r: PerformanceRecord) => [
      r.advertiserId,
      r.marketplaceId,
      r.campaignId,
      r.adGroupId,
      r.adId,
      r.keywordId,
      r.keywordText,
      r.matchType,
      r.placement,
      r.currency,
      r.hourStartUtc,
    ];
    expect(key(b)).toEqual(key(a));
    expect(b.metrics).toMatchObject({
      clicks: '-1',
      impressions: '-15',
      cost: '-0.99',
    });
  });

  it('04 sp-conversion: attributed_* mapped, *_same_sku kept in extra', () => {
    const r = perf(fixture('04-sp-conversion.sqs-body.json'));
    expect(r.family).toBe('conversion');
    expect(r.keywordText).toBeNull();
    expect(r.matchType).toBeNull();
    expect(r.placement).toBe('Top of Search on-Amazon');
    expect(r.hourStartUtc).toBe('2025-06-03T17:00:00.000Z');
    expect(r.metrics).toEqual({
      ...zeroMetrics,
      orders_1d: '1',
      orders_7d: '2',
      orders_14d: '2',
      orders_30d: '2',
      sales_1d: '29.99',
      sales_7d: '54.98',
      sales_14d: '54.98',
      sales_30d: '54.98',
      units_1d: '1',
      units_7d: '2',
      units_14d: '2',
      units_30d: '2',
    });
    expect(Object.keys(r.extra).sort()).toEqual(
      [
        'attributed_conversions_1d_same_sku',
        'attributed_conversions_7d_same_sku',
        'attributed_conversions_14d_same_sku',
        'attributed_conversions_30d_same_sku',
        'attributed_sales_1d_same_sku',
        'attributed_sales_7d_same_sku',
        'attributed_sales_14d_same_sku',
        'attributed_sales_30d_same_sku',
        'attributed_units_ordered_1d_same_sku',
        'attributed_units_ordered_7d_same_sku',
        'attributed_units_ordered_14d_same_sku',
        'attributed_units_ordered_30d_same_sku',
      ].sort(),
    );
    expect(r.extra['attributed_sales_7d_same_sku']).toBe(29.99);
  });

  it('05 budget usage', () => {
    const r = ok(fixture('05-budget-usage.sqs-body.json'));
    const expected: BudgetUsageRecord = {
      kind: 'budget-usage',
      datasetId: 'budget-usage',
      advertiserId: 'A1EXAMPLEADV01',
      marketplaceId: 'ATVPDKIKX0DER',
      budgetScopeId: '185402650650808',
      budgetScopeType: 'CAMPAIGN',
      adProduct: 'sp',
      budget: '50',
      usagePercentage: '95.12',
      usageUpdatedAt: '2025-06-03T21:47:21.000Z',
      extra: {},
    };
    expect(r.record).toEqual(expected);
    expect(r.dedupKey).toBe('bu:A1EXAMPLEADV01:ATVPDKIKX0DER:CAMPAIGN:185402650650808:2025-06-03T21:47:21.000Z');
  });

  it('05 budget usage: product type lower-cased, scope type upper-cased, percentage above 100', () => {
    const body = {
      ...fixture('05-budget-usage.sqs-body.json'),
      advertising_product_type: 'SB',
      budget_scope_type: 'portfolio',
      budget_usage_percentage: 148.89,
    };
    const r = ok(body).record as BudgetUsageRecord;
    expect(r.adProduct).toBe('sb');
    expect(r.budgetScopeType).toBe('PORTFOLIO');
    expect(r.usagePercentage).toBe('148.89');
    const badScope = bad({
      ...body,
      budget_scope_type: 'AD_GROUP',
      advertising_product_type: 'dsp',
    });
    expect(badScope.reason).toContain('budget_scope_type: must be one of CAMPAIGN, PORTFOLIO (got "AD_GROUP")');
    expect(badScope.reason).toContain('advertising_product_type: must be one of sp, sb, sd (got "dsp")');
  });

  it('06 sb-traffic: placement_type, keyword_type, viewable_impressions', () => {
    const r = perf(fixture('06-sb-traffic.sqs-body.json'));
    expect(r).toMatchObject({
      datasetId: 'sb-traffic',
      adProduct: 'sb',
      family: 'traffic',
      keywordId: '144000000000999',
      keywordText: 'noise cancelling headphones',
      matchType: 'BROAD',
      placement: 'Top of Search on-Amazon',
      extra: {},
    });
    expect(r.metrics).toEqual({
      ...zeroMetrics,
      clicks: '3',
      cost: '4.41',
      impressions: '950',
      viewable_impressions: '610',
    });
  });

  it('07 sd-conversion: target_id -> keywordId, view metrics in extra', () => {
    const r = perf(fixture('07-sd-conversion.sqs-body.json'));
    expect(r).toMatchObject({
      datasetId: 'sd-conversion',
      adProduct: 'sd',
      family: 'conversion',
      keywordId: '277000000000444',
      keywordText: null,
      matchType: null,
      placement: '',
    });
    expect(r.metrics).toMatchObject({
      orders_14d: '1',
      sales_14d: '24.99',
      units_14d: '1',
      sales_1d: '0',
    });
    expect(r.extra).toMatchObject({
      view_attributed_conversions_14d: 0,
      view_attributed_sales_14d: 0,
      view_attributed_units_ordered_14d: 0,
      attributed_orders_new_to_brand_14d: 1,
      attributed_sales_new_to_brand_14d: 24.99,
      view_attributed_sales_new_to_brand_14d: 0,
    });
    expect(r.extra).not.toHaveProperty('target_id');
    expect(r.extra).not.toHaveProperty('attributed_sales_14d');
  });

  it('08 campaign entity', () => {
    const body = fixture('08-campaigns-v1-change-event.sqs-body.json');
    const r = ok(body);
    const expected: EntityRecord = {
      kind: 'entity',
      datasetId: 'campaigns',
      entityType: 'campaign',
      advertiserId: 'A1EXAMPLEADV01',
      marketplaceId: 'ATVPDKIKX0DER',
      entityId: '185402650650808',
      version: 7,
      campaignId: '185402650650808',
      adGroupId: null,
      portfolioId: '99000000000001',
      name: 'SP - Earbuds - Exact',
      state: 'ENABLED',
      adProduct: 'SPONSORED_PRODUCTS',
      budgetAmount: '50',
      budgetCurrency: 'USD',
      raw: body,
    };
    expect(r.record).toEqual(expected);
    expect(r.dedupKey).toBe('campaigns:A1EXAMPLEADV01:185402650650808:v7');
  });
});

describe('validateRecord — other datasets', () => {
  const base = fixture(SP_TRAFFIC);

  it('sp-conversion with missing metrics treats them as 0 (null too)', () => {
    const r = perf({
      ...fixture('04-sp-conversion.sqs-body.json'),
      attributed_sales_30d: undefined,
      attributed_conversions_1d: null,
    });
    expect(r.metrics.sales_30d).toBe('0');
    expect(r.metrics.orders_1d).toBe('0');
  });

  it('sd-traffic maps view_impressions and targeting_text', () => {
    const r = perf({
      ...base,
      dataset_id: 'sd-traffic',
      keyword_id: undefined,
      keyword_text: undefined,
      match_type: undefined,
      placement: undefined,
      target_id: '277000000000444',
      targeting_text: 'asin="B0EXAMPLE1"',
      view_impressions: 300,
    });
    expect(r).toMatchObject({
      adProduct: 'sd',
      keywordId: '277000000000444',
      keywordText: 'asin="B0EXAMPLE1"',
      matchType: null,
      placement: '',
    });
    expect(r.metrics.viewable_impressions).toBe('300');
  });

  it('sb-conversion maps the 14d metrics', () => {
    const r = perf({
      ...fixture('06-sb-traffic.sqs-body.json'),
      dataset_id: 'sb-conversion',
      clicks: undefined,
      cost: undefined,
      impressions: undefined,
      viewable_impressions: undefined,
      attributed_conversions_14d: 2,
      attributed_sales_14d: 59.98,
      attributed_units_ordered_14d: 3,
      attributed_sales_new_to_brand_14d: 29.99,
    });
    expect(r.metrics).toEqual({
      ...zeroMetrics,
      orders_14d: '2',
      sales_14d: '59.98',
      units_14d: '3',
    });
    expect(r.extra).toEqual({ attributed_sales_new_to_brand_14d: 29.99 });
  });

  it('adgroups, ads and targets entities', () => {
    const common = {
      advertiser_id: 'A1',
      marketplace_id: 'ATVPDKIKX0DER',
      version: 0,
    };
    const ag = ok({
      ...common,
      dataset_id: 'adgroups',
      adGroupId: '11',
      campaignId: '1',
      name: 'AG',
      state: 'ENABLED',
    });
    expect(ag.record).toMatchObject({
      entityType: 'ad_group',
      entityId: '11',
      campaignId: '1',
      adGroupId: '11',
    });
    expect(ag.dedupKey).toBe('adgroups:A1:11:v0');
    const ad = ok({
      ...common,
      dataset_id: 'ads',
      adId: '111',
      adGroupId: '11',
      campaignId: '1',
    });
    expect(ad.record).toMatchObject({
      entityType: 'ad',
      entityId: '111',
      name: null,
      budgetAmount: null,
    });
    const t = ok({
      ...common,
      dataset_id: 'targets',
      targetId: '9',
      campaignId: '1',
      negative: true,
      bid: null,
    });
    expect(t.record).toMatchObject({
      entityType: 'target',
      entityId: '9',
      adGroupId: null,
    });
    expect(bad({ ...common, dataset_id: 'ads', adId: '111' }).reason).toBe(
      'adGroupId: is required; campaignId: is required',
    );
  });

  it('entity version must be a non-negative safe integer', () => {
    const body = fixture('08-campaigns-v1-change-event.sqs-body.json');
    for (const version of [-1, 1.5, '7', null, 2 ** 53]) {
      expect(bad({ ...body, version }).reason).toMatch(/^version: (must be a non-negative safe integer|is required)/);
    }
    expect(
      bad({
        ...body,
        budget: { budgetCap: { monetaryBudget: { amount: '50' } } },
      }).reason,
    ).toBe('budget.budgetCap.monetaryBudget.amount: must be a finite number (got "50")');
    expect(ok({ ...body, budget: null }).record).toMatchObject({
      budgetAmount: null,
      budgetCurrency: null,
    });
  });
});

describe('validateRecord — bad inputs', () => {
  const base = fixture(SP_TRAFFIC);

  it('not an object', () => {
    for (const v of [null, 1, 'x', true, [], [base], undefined]) {
      const r = bad(v);
      expect(r.code).toBe('not-an-object');
      expect(r.reason).toMatch(/^record: must be a JSON object/);
    }
  });

  it('unknown dataset names the dataset', () => {
    expect(bad({ ...base, dataset_id: 'sp-traffik' })).toEqual({
      ok: false,
      code: 'unknown-dataset',
      reason: 'dataset_id: unknown dataset "sp-traffik"',
      datasetId: 'sp-traffik',
    });
    const click = bad({ ...base, dataset_id: 'sb-clickstream' });
    expect(click.code).toBe('unknown-dataset');
    expect(click.reason).toContain('sb-clickstream');
    expect(click.datasetId).toBe('sb-clickstream');
    expect(bad({ ...base, dataset_id: undefined })).toMatchObject({
      code: 'unknown-dataset',
      datasetId: null,
    });
    expect(bad({ ...base, dataset_id: 5 }).reason).toBe('dataset_id: must be a string (got 5)');
    expect(bad({ ...base, dataset_id: 'x\u0000y\n' }).datasetId).toBe('x%0000y%000a');
    expect(bad({ ...base, dataset_id: '\u0001'.repeat(500) }).datasetId).toHaveLength(64);
  });

  it('missing campaign_id', () => {
    const { campaign_id: _omit, ...body } = base;
    expect(bad(body)).toEqual({
      ok: false,
      code: 'invalid-record',
      reason: 'campaign_id: is required',
      datasetId: 'sp-traffic',
    });
  });

  it('clicks "seven"', () => {
    expect(bad({ ...base, clicks: 'seven' }).reason).toBe('clicks: must be an integer (got "seven")');
    expect(bad({ ...base, clicks: 7.5 }).reason).toBe('clicks: must be an integer (got 7.5)');
    expect(bad({ ...base, clicks: 2 ** 60 }).reason).toBe('clicks: must be a safe integer (got 1152921504606847000)');
    expect(bad({ ...base, cost: '6.93' }).reason).toBe('cost: must be a finite number (got "6.93")');
    expect(bad({ ...base, cost: 1e300 }).reason).toMatch(/^cost: must be below/);
  });

  it('a number given as campaign_id', () => {
    expect(bad({ ...base, campaign_id: 185402650650808 }).reason).toBe(
      'campaign_id: must be a string (got 185402650650808)',
    );
  });

  it('ids: empty, too long, control characters', () => {
    expect(bad({ ...base, ad_id: '' }).reason).toBe('ad_id: must not be empty');
    expect(bad({ ...base, ad_id: '1'.repeat(65) }).reason).toBe('ad_id: must be at most 64 characters (got 65)');
    expect(bad({ ...base, ad_id: '12\n3' }).reason).toMatch(/^ad_id: must not contain control characters/);
    expect(bad({ ...base, keyword_text: 'x'.repeat(1025) }).reason).toBe(
      'keyword_text: must be at most 1024 characters (got 1025)',
    );
    expect(bad({ ...base, keyword_text: 'a\u0000b' }).reason).toMatch(/^keyword_text: must not contain NUL/);
    expect(bad({ ...base, keyword_text: 'a\ud800b' }).reason).toMatch(/^keyword_text: must not contain NUL/);
  });

  it('lists several problems, "; "-separated', () => {
    const { campaign_id: _omit, ...body } = base;
    const r = bad({
      ...body,
      clicks: 'seven',
      time_window_start: '2025-06-03T10:30:00-07:00',
    });
    expect(r.reason).toBe(
      'campaign_id: is required; time_window_start: local minute must be 0 (got "2025-06-03T10:30:00-07:00"); ' +
        'clicks: must be an integer (got "seven")',
    );
  });

  it('SQL in keyword_text is accepted as inert text, unchanged', () => {
    const sql = "x'); DROP TABLE ams_sp_traffic_delta; --";
    expect(perf({ ...base, keyword_text: sql }).keywordText).toBe(sql);
  });

  it('time_window_start without offset / at minute 30', () => {
    expect(bad({ ...base, time_window_start: '2025-06-03T10:00:00' }).reason).toContain(
      'time_window_start: must have an explicit UTC offset',
    );
    expect(bad({ ...base, time_window_start: '2025-06-03T10:30:00-07:00' }).reason).toContain(
      'time_window_start: local minute must be 0',
    );
    expect(bad({ ...base, time_window_start: 1748970000000 }).reason).toBe(
      'time_window_start: must be a string (got number)',
    );
  });

  it('DST and non-US offsets give the right UTC hour', () => {
    expect(perf({ ...base, time_window_start: '2025-11-02T01:00:00-07:00' }).hourStartUtc).toBe(
      '2025-11-02T08:00:00.000Z',
    );
    expect(perf({ ...base, time_window_start: '2025-11-02T01:00:00-08:00' }).hourStartUtc).toBe(
      '2025-11-02T09:00:00.000Z',
    );
    const india = perf({
      ...base,
      time_window_start: '2025-06-03T10:00:00+05:30',
    });
    expect([india.hourStartUtc, india.utcOffsetMinutes, india.localDate]).toEqual([
      '2025-06-03T04:30:00.000Z',
      330,
      '2025-06-03',
    ]);
    const japan = perf({
      ...base,
      time_window_start: '2025-06-03T05:00:00+09:00',
    });
    expect([japan.hourStartUtc, japan.utcOffsetMinutes, japan.localDate]).toEqual([
      '2025-06-02T20:00:00.000Z',
      540,
      '2025-06-03',
    ]);
  });

  it('missing traffic metrics are errors; null optional texts are fine', () => {
    expect(bad({ ...base, clicks: undefined }).reason).toBe('clicks: is required');
    expect(bad({ ...base, clicks: null }).reason).toBe('clicks: is required (got null)');
    expect(
      perf({
        ...base,
        keyword_text: null,
        match_type: undefined,
        currency: null,
      }),
    ).toMatchObject({
      keywordText: null,
      matchType: null,
      currency: null,
    });
  });
});

describe('validateRecord — extra fields', () => {
  const base = fixture(SP_TRAFFIC);

  it('carries unknown fields (Amazon adds fields) into extra', () => {
    const r = perf({
      ...base,
      new_metric: 5,
      nested: { a: [1, 'x', null, true] },
    });
    expect(r.extra).toEqual({
      new_metric: 5,
      nested: { a: [1, 'x', null, true] },
    });
  });

  it('keeps a "__proto__" field as a plain field', () => {
    const body = JSON.parse(JSON.stringify(base).replace(/}$/, ',"__proto__":{"polluted":1}}')) as object;
    const r = perf(body);
    expect(Object.getPrototypeOf(r.extra)).toBe(Object.prototype);
    expect(Object.keys(r.extra)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects unstorable extras: NUL, non-finite numbers, non-JSON values, deep nesting', () => {
    expect(bad({ ...base, note: 'a\u0000' }).reason).toBe(
      'note: must not contain NUL characters or unpaired surrogates',
    );
    expect(bad({ ...base, x: { y: [Infinity] } }).reason).toBe('x.y[0]: must be a finite number (got Infinity)');
    expect(bad({ ...base, fn: () => 1 }).reason).toBe('fn: must be a JSON value (got function)');
    expect(bad({ ...base, when: new Date(0) }).reason).toBe('when: must be a JSON value (got object)');
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(bad({ ...base, deep }).reason).toMatch(/^deep(\[0\])*: is nested too deeply/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(bad({ ...base, cyclic }).code).toBe('invalid-record');
  });
});

describe('dedup keys', () => {
  it('are printable ASCII without CR/LF, escaping anything else injectively', () => {
    expect(escapeKeyPart('abc-123')).toBe('abc-123');
    expect(escapeKeyPart('a b\r\n:%é')).toBe('a%0020b%000d%000a%003a%0025%00e9');
    const base = fixture(SP_TRAFFIC);
    expect(ok({ ...base, idempotency_id: 'id with space' }).dedupKey).toBe('A1EXAMPLEADV01:id%0020with%0020space');
    // the same idempotency id from another advertiser is another record
    expect(ok({ ...base, advertiser_id: 'A2OTHER' }).dedupKey).not.toBe(ok(base).dedupKey);
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.string({ unit: 'binary', maxLength: 64 }),
        (a, b) => {
          const ea = escapeKeyPart(a);
          expect(ea).toMatch(/^[\x21-\x7e]*$/);
          if (a !== b) expect(ea).not.toBe(escapeKeyPart(b));
        },
      ),
    );
  });
});

describe('validateRecord — properties', () => {
  const check = (input: unknown): void => {
    const r = validateRecord(input);
    if (r.ok) {
      expect(r.dedupKey).toMatch(/^[\x21-\x7e]+$/);
    } else {
      expect(QUARANTINE_CODES).toContain(r.code);
      expect(r.reason.length).toBeGreaterThan(0);
      expect(r.reason.length).toBeLessThanOrEqual(4000);
      if (r.datasetId !== null) expect(r.datasetId).toMatch(/^[\x21-\x7e]{0,64}$/);
    }
  };

  it('never throws on fc.anything()', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: true,
          withObjectString: true,
          withMap: true,
        }),
        check,
      ),
      {
        numRuns: 2000,
      },
    );
  });

  it('never throws on fc.jsonValue()', () => {
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 2000 });
  });

  it('never throws on records with random field values', () => {
    const base = fixture('04-sp-conversion.sqs-body.json');
    const keys = [...Object.keys(base), 'extra_field', 'keyword_text'];
    fc.assert(
      fc.property(
        fc.constantFrom(
          'sp-traffic',
          'sp-conversion',
          'sb-traffic',
          'sb-conversion',
          'sd-traffic',
          'sd-conversion',
          'budget-usage',
          'campaigns',
          'adgroups',
          'ads',
          'targets',
        ),
        fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.anything(), fc.jsonValue()), { maxKeys: 6 }),
        (dataset, patch) => check({ ...base, ...patch, dataset_id: dataset }),
      ),
      { numRuns: 3000 },
    );
  });

  it('normalized metrics are canonical decimal strings, money only in MONEY_METRICS', () => {
    const base = fixture(SP_TRAFFIC);
    fc.assert(
      fc.property(
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        (clicks, impressions, cost) => {
          const r = perf({ ...base, clicks, impressions, cost });
          expect(r.metrics.clicks).toBe(String(clicks === 0 ? 0 : clicks));
          expect(Number(r.metrics.cost)).toBe(cost === 0 ? 0 : cost);
          for (const m of METRIC_NAMES) {
            expect(r.metrics[m]).toMatch(MONEY_METRICS.has(m) ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/);
          }
        },
      ),
    );
  });
});

describe('validateRecord — sp-budget-recommendations', () => {
  const body = fixture('11-sp-budget-recommendations.sqs-body.json');

  it('normalizes the fixture: decimal strings, UTC time, dates, the natural key as dedup key', () => {
    const r = ok(body);
    expect(r.record).toEqual({
      kind: 'budget-recommendation',
      datasetId: 'sp-budget-recommendations',
      advertiserId: 'A1EXAMPLEADV01',
      marketplaceId: 'ATVPDKIKX0DER',
      campaignId: '185402650650808',
      recommendationTime: '2025-06-03T22:00:00.000Z',
      suggestedBudget: '72.5',
      reason: 'The campaign ran out of budget on 5 of the last 7 days',
      missedSalesLower: '120.4',
      missedSalesUpper: '245.9',
      missedClicksLower: '38',
      missedClicksUpper: '71',
      missedImpressionsLower: '2150',
      missedImpressionsUpper: '4380',
      startDate: '2025-05-28',
      endDate: '2025-06-03',
      percentTimeInBudget: '0.62',
      extra: {},
    });
    expect(r.dedupKey).toBe('br:A1EXAMPLEADV01:185402650650808:2025-06-03T22:00:00.000Z');
    // the same recommendation at another offset is the same instant, the same key
    expect(ok({ ...body, recommendation_time: '2025-06-03T15:00:00-07:00' }).dedupKey).toBe(r.dedupKey);
  });

  it('keeps a double as its shortest decimal text, -1 as unknown, missing estimates as null, extra fields', () => {
    const r = ok({
      ...body,
      suggested_budget: 0.1 + 0.2,
      percent_time_in_budget: -1,
      estimated_missed_sales_lower: null,
      estimated_missed_sales_upper: undefined,
      reason_for_suggestion: undefined,
      start_date: '2025-05-28T00:00:00Z',
      budget_rule_id: 'r-1',
    });
    expect(r.record).toMatchObject({
      suggestedBudget: '0.30000000000000004',
      percentTimeInBudget: '-1',
      missedSalesLower: null,
      missedSalesUpper: null,
      reason: null,
      startDate: '2025-05-28',
      extra: { budget_rule_id: 'r-1' },
    });
  });

  it('names every bad field in one reason', () => {
    const r = bad({
      ...body,
      campaign_id: 185402650650808,
      suggested_budget: 0,
      estimated_missed_sales_lower: -3,
      estimated_missed_clicks_upper: 'many',
      percent_time_in_budget: 62,
      start_date: '2025-02-30',
      end_date: undefined,
      recommendation_time: '2025-06-03T22:00:00',
    });
    expect(r).toMatchObject({ code: 'invalid-record', datasetId: 'sp-budget-recommendations' });
    expect(r.reason.split('; ')).toEqual([
      'recommendation_time: must have an explicit UTC offset such as -07:00 or Z (got "2025-06-03T22:00:00")',
      'campaign_id: must be a string (got 185402650650808)',
      'suggested_budget: must be above 0 (got 0)',
      'estimated_missed_sales_lower: must not be below 0 (got -3)',
      'estimated_missed_clicks_upper: must be a finite number (got "many")',
      'start_date: is not a real calendar date (got "2025-02-30")',
      'end_date: is required',
      'percent_time_in_budget: must be between 0 and 1, or -1 (got 62)',
    ]);
    expect(bad({ ...body, percent_time_in_budget: -0.5 }).reason).toBe(
      'percent_time_in_budget: must be between 0 and 1, or -1 (got -0.5)',
    );
    expect(bad({ ...body, suggested_budget: null }).reason).toBe('suggested_budget: is required (got null)');
    expect(ok({ ...body, percent_time_in_budget: 1 }).record).toMatchObject({ percentTimeInBudget: '1' });
    expect(ok({ ...body, percent_time_in_budget: 0 }).record).toMatchObject({ percentTimeInBudget: '0' });
  });
});
