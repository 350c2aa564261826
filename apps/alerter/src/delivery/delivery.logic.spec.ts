import { Destinations, redactUrls } from './destinations.logic';
import { parseRetryAfter } from './slack-webhook.client';

describe('destinations and Slack answers', () => {
  it('names destinations: default from SLACK_WEBHOOK_URL, others from SLACK_WEBHOOKS', () => {
    const d = new Destinations(
      'https://hooks.slack.com/services/T/B/x',
      'ops=https://hooks.slack.com/services/T/B/y,finance=https://h/z',
    );
    expect(d.urlOf('default')).toBe('https://hooks.slack.com/services/T/B/x');
    expect(d.urlOf('ops')).toBe('https://hooks.slack.com/services/T/B/y');
    expect([...d.names()].sort()).toEqual(['default', 'finance', 'ops']);
    expect(d.configured).toBe(true);
    const none = new Destinations(undefined, undefined);
    expect(none.configured).toBe(false);
    expect(none.urlOf('default')).toBeUndefined();
    expect([...none.names()]).toEqual(['default']);
  });

  it('never keeps a URL in an error text', () => {
    expect(redactUrls('request to https://hooks.slack.com/services/T0/B0/secret failed')).toBe(
      'request to <url> failed',
    );
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-06-05T10:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 05 Jun 2025 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
