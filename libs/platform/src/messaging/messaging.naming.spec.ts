import { MessagingNaming } from './messaging.naming';

describe('MessagingNaming', () => {
  it('leaves names alone without a prefix', () => {
    const n = new MessagingNaming('');
    expect(n.subject('ams.sp-traffic')).toBe('ams.sp-traffic');
    expect(n.unprefixSubject('ams.sp-traffic')).toBe('ams.sp-traffic');
    expect(n.stream('AMS')).toBe('AMS');
  });

  it('prefixes subjects with a dot and streams with the sanitised upper-case prefix', () => {
    const n = new MessagingNaming('t-run.42');
    expect(n.subject('ams.>')).toBe('t-run.42.ams.>');
    expect(n.unprefixSubject('t-run.42.ams.sp-traffic')).toBe('ams.sp-traffic');
    expect(n.unprefixSubject('other.subject')).toBe('other.subject');
    expect(n.stream('AMS')).toBe('T-RUN_42_AMS');
  });

  it('rejects prefixes that would make invalid subjects', () => {
    expect(() => new MessagingNaming('a b')).toThrow();
    expect(() => new MessagingNaming('a.*')).toThrow();
    expect(() => new MessagingNaming('a.')).toThrow();
  });
});
