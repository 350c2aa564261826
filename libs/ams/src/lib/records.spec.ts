import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { SUPPORTED_DATASETS } from './datasets';
import { RECORD_CLASSES, SpTrafficBody } from './records';
import { getSchema } from './schema';
import { validateRecord } from './validate';

const FIXTURES = join(__dirname, '../../fixtures');
const bodies = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.sqs-body.json'))
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Record<string, unknown>)
  .filter((b) => typeof b['dataset_id'] === 'string');

/** class-validator's view of a body: the errors it reports, as "<property>: <message>" strings. */
function classValidatorErrors(body: Record<string, unknown>): string[] {
  const cls = RECORD_CLASSES[body['dataset_id'] as keyof typeof RECORD_CLASSES] as unknown as new () => object;
  const instance = Object.assign(new cls(), body);
  return validateSync(instance, { forbidUnknownValues: false }).flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('record classes', () => {
  it('has one class per supported dataset', () => {
    expect(Object.keys(RECORD_CLASSES).sort()).toEqual([...SUPPORTED_DATASETS].sort());
  });

  it('inherits base fields (schema order: base first)', () => {
    const names = getSchema(SpTrafficBody).fields.map((f) => f.name);
    expect(names).toEqual([
      'dataset_id',
      'idempotency_id',
      'marketplace_id',
      'advertiser_id',
      'currency',
      'campaign_id',
      'ad_group_id',
      'ad_id',
      'time_window_start',
      'keyword_id',
      'keyword_text',
      'match_type',
      'placement',
      'clicks',
      'impressions',
      'cost',
    ]);
  });

  it('every fixture passes class-validator validateSync', () => {
    expect(bodies.length).toBeGreaterThanOrEqual(7);
    for (const body of bodies) expect(classValidatorErrors(body)).toEqual([]);
  });

  it('class-validator reports the same problems as validateRecord', () => {
    const spTraffic = bodies.find((b) => b['dataset_id'] === 'sp-traffic') as Record<string, unknown>;
    const errors = classValidatorErrors({
      ...spTraffic,
      clicks: 'seven',
      campaign_id: 1,
      time_window_start: 'x',
    });
    expect(errors.sort()).toEqual(
      [
        'clicks: must be an integer (got "seven")',
        'campaign_id: must be a string (got 1)',
        'time_window_start: must be an ISO-8601 date-time like 2025-06-03T10:00:00-07:00 (got "x")',
      ].sort(),
    );
  });

  it('the fast path and class-validator agree on mutated fixtures', () => {
    const values = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer({ min: -5, max: 5 }),
      fc.double(),
      fc.string({ maxLength: 5 }),
      fc.constantFrom('12345', '2025-06-03T10:00:00-07:00', '2025-06-03T10:30:00Z', 'CAMPAIGN', 'sp', 'x'.repeat(65)),
      fc.constant({ budgetCap: { monetaryBudget: { amount: 1 } } }),
      fc.constant({ budgetCap: { monetaryBudget: { amount: 'x' } } }),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...bodies), fc.array(fc.tuple(fc.nat(), values), { maxLength: 4 }), (body, edits) => {
        const declared = getSchema(RECORD_CLASSES[body['dataset_id'] as keyof typeof RECORD_CLASSES])
          .fields.map((f) => f.name)
          .filter((n) => n !== 'dataset_id');
        const mutated: Record<string, unknown> = { ...body };
        for (const [i, v] of edits) {
          const key = declared[i % declared.length] as string;
          if (v === undefined) delete mutated[key];
          else mutated[key] = v;
        }
        const fast = validateRecord(mutated);
        const cv = classValidatorErrors(mutated);
        expect(fast.ok).toBe(cv.length === 0);
        if (!fast.ok) {
          expect(fast.code).toBe('invalid-record');
          for (const e of cv) expect(fast.reason).toContain(e);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
