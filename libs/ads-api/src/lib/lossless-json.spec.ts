import { parseJsonLossless, quoteUnsafeIntegers } from './lossless-json';

describe('parseJsonLossless', () => {
  it('keeps integers beyond 2^53 exactly, as strings (JSON.parse rounds them)', () => {
    const text = '[{"profileId":9007199254740993,"campaignId":-9223372036854775807,"small":42}]';
    expect((JSON.parse(text) as Array<{ profileId: number }>)[0].profileId).toBe(9007199254740992); // the loss this avoids
    expect(parseJsonLossless(text)).toEqual([
      { profileId: '9007199254740993', campaignId: '-9223372036854775807', small: 42 },
    ]);
  });

  it('leaves safe integers, decimals, exponents and digits inside strings alone', () => {
    const text =
      '{"a":9007199254740991,"b":12345678901234567.5,"c":1e21,"d":"9007199254740993","e":"x\\"12345678901234567890"}';
    expect(quoteUnsafeIntegers(text)).toBe(text);
    expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
  });

  it('refuses truncated JSON and HTML like JSON.parse does', () => {
    expect(() => parseJsonLossless('{"profiles":[{"profileId":9007199254740993')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('<html><body>502</body></html>')).toThrow(SyntaxError);
  });
});
