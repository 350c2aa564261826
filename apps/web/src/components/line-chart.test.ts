// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { timeTick } from './line-chart';

describe('timeTick', () => {
  it("writes ticks in the advertiser's zone: the date at local midnight, else the hour", () => {
    const midnightLa = Date.parse('2026-12-07T08:00:00Z') / 1000;
    expect(timeTick(midnightLa, 'America/Los_Angeles')).toBe('7 Dec');
    expect(timeTick(midnightLa, 'UTC')).toBe('08:00');
    expect(timeTick(midnightLa + 13 * 3600, 'America/Los_Angeles')).toBe('13:00');
  });
});
