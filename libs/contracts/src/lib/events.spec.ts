import { SUPPORTED_DATASETS } from '@ams/ams';
import { PerfHourlyUpdatedV1, QuarantinedBodyV1 } from './events';
import { validatePayload } from './validate-payload';
import { AMS_QUARANTINE, AMS_RECORDS, STREAMS } from './catalog/catalog';

describe('contracts', () => {
  it('accepts a well-formed perf.hourly.updated.v1', () => {
    const r = validatePayload(PerfHourlyUpdatedV1, {
      version: 1,
      emittedAt: '2025-06-03T18:00:00.000Z',
      touched: [{ advertiserId: 'A1', campaignId: '1', hourStart: '2025-06-03T17:00:00.000Z', utcOffsetMinutes: -420 }],
    });
    expect(r.ok).toBe(true);
  });

  it('names every bad field of a nested payload', () => {
    const r = validatePayload(PerfHourlyUpdatedV1, {
      version: 2,
      emittedAt: 'yesterday',
      touched: [{ advertiserId: 5, campaignId: '1', hourStart: 'x', utcOffsetMinutes: 2000 }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toContain('version');
    expect(r.reason).toContain('emittedAt');
    expect(r.reason).toContain('touched.0.advertiserId');
    expect(r.reason).toContain('touched.0.hourStart');
    expect(r.reason).toContain('touched.0.utcOffsetMinutes');
  });

  it('refuses non-objects', () => {
    expect(validatePayload(QuarantinedBodyV1, 'x')).toEqual({ ok: false, reason: 'payload: must be a JSON object' });
    expect(validatePayload(QuarantinedBodyV1, [1]).ok).toBe(false);
  });

  it('keeps record subjects inside the AMS stream, quarantine included', () => {
    const [root] = STREAMS.ams.subjects;
    const inStream = (s: string) => s.startsWith(root.replace('>', ''));
    expect(inStream(AMS_RECORDS.at('sp-traffic').subject)).toBe(true);
    // every dataset the processor stores has its subject there, Amazon's budget recommendations included
    for (const ds of SUPPORTED_DATASETS) expect(inStream(AMS_RECORDS.at(ds).subject)).toBe(true);
    expect(AMS_RECORDS.at('sp-budget-recommendations').subject).toBe('ams.sp-budget-recommendations');
    expect(inStream(AMS_QUARANTINE.subject)).toBe(true);
  });
});
