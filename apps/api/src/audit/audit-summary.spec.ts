import { createHash } from 'node:crypto';
import { summarise } from './audit-summary';

describe('summarise (what the audit log keeps of a body)', () => {
  it('redacts fields named like secrets at any depth, keeps the rest', () => {
    expect(
      summarise({
        name: 'rule',
        threshold: 3,
        destination: { webhookUrl: 'https://hooks.slack.com/x', token: 't', password: 'p', apiKey: 'k' },
      }),
    ).toEqual({
      name: 'rule',
      threshold: 3,
      destination: { webhookUrl: '[redacted]', token: '[redacted]', password: '[redacted]', apiKey: '[redacted]' },
    });
  });

  it('keeps a replay body as its size and digest prefix, and cuts long strings, lists and deep objects', () => {
    const rawBody = '{"clicks": 999999}';
    expect(summarise({ rawBody })).toEqual({
      rawBody: { bytes: 18, sha256: createHash('sha256').update(rawBody).digest('hex').slice(0, 16) },
    });
    expect(summarise('x'.repeat(500))).toBe(`${'x'.repeat(200)}… (500 chars)`);
    expect((summarise(Array.from({ length: 60 }, (_, i) => i)) as unknown[]).slice(-2)).toEqual([49, '… (60 items)']);
    expect(summarise({ a: { b: { c: { d: { e: 1 } } } } })).toEqual({ a: { b: { c: { d: '[…]' } } } });
    expect(summarise(undefined)).toBeNull();
  });
});
