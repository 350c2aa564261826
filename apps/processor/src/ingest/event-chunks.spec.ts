import { chunkBySize, eventBudget } from './event-chunks';

describe('chunkBySize', () => {
  const envelope = (touched: unknown[]) => ({ version: 1, touched, emittedAt: '2025-06-03T17:00:00.000Z' });
  const items = Array.from({ length: 1000 }, (_, i) => ({
    advertiserId: 'A1EXAMPLEADV01',
    campaignId: String(i),
    hourStart: 'ü'.repeat(i % 7),
  }));
  const size = (chunk: unknown[]) => Buffer.byteLength(JSON.stringify(envelope(chunk)));

  it('keeps every item once, in order, each chunk within the byte limit (exact UTF-8 size)', () => {
    for (const max of [200, 1000, 4096, 65_536]) {
      const chunks = chunkBySize(items, envelope, max);
      expect(chunks.flat()).toEqual(items);
      for (const c of chunks) {
        expect(c.length).toBeGreaterThan(0);
        expect(size(c)).toBeLessThanOrEqual(max);
      }
      // greedy: a chunk plus the next item would not have fit
      for (let i = 0; i < chunks.length - 1; i++) expect(size([...chunks[i], chunks[i + 1][0]])).toBeGreaterThan(max);
    }
  });

  it('returns one chunk when everything fits, none for no items, and respects the item cap', () => {
    expect(chunkBySize(items, envelope, 10_000_000)).toEqual([items]);
    expect(chunkBySize([], envelope, 100)).toEqual([]);
    expect(chunkBySize(items, envelope, 10_000_000, 300).map((c) => c.length)).toEqual([300, 300, 300, 100]);
  });

  it('refuses an item that cannot fit alone', () => {
    expect(() => chunkBySize([{ big: 'x'.repeat(500) }], envelope, 200)).toThrow(/does not fit/);
  });

  it('leaves headroom for headers below max_payload', () => {
    expect(eventBudget(1024 * 1024)).toBe(1024 * 1024 - 1024);
    expect(eventBudget(1500)).toBe(750);
  });
});
