/**
 * JSON that keeps every integer exactly. Amazon's ids are int64 and exceed 2^53 (SD and SB v3 send them as
 * JSON numbers), which `JSON.parse` silently rounds: 9007199254740993 becomes 9007199254740992.
 *
 * Invariant: every integer literal outside a string whose value is not a safe integer is returned as the
 * decimal string of its digits, exactly as written; everything else parses as `JSON.parse` would. Malformed
 * text (truncated, HTML) throws `SyntaxError`, exactly as `JSON.parse` does.
 *
 * How: one scan over the text quotes those literals, then the native parser does the rest (fast, and no
 * parser of our own to get wrong). Node 20 has no reviver source access, so a reviver cannot do it.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

const DIGITS_OF_MAX_SAFE = 16; // 9007199254740991 has 16 digits: shorter literals are always safe

const RAW = '\u0000rawjson:';

/**
 * A JSON number written exactly as `text` by `stringifyJsonLossless`: an int64 id beyond 2^53 sent as a bare
 * number (SD, SB v3), or a decimal sent with its exact digits ("12.50" → 12.50, never 12.499999…).
 */
export class RawJsonNumber {
  constructor(readonly text: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) throw new RangeError(`not a plain decimal number: "${text}"`);
  }
  toJSON(): string {
    return RAW + this.text;
  }
}

/** `JSON.stringify`, with every `RawJsonNumber` written as its literal. */
export function stringifyJsonLossless(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000rawjson:(-?[0-9.]+)"/g, '$1');
}

/** The text with every unsafe integer literal (outside strings) wrapped in quotes. Exported for tests. */
export function quoteUnsafeIntegers(text: string): string {
  let out: string[] | null = null;
  let copiedUpTo = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // skip the string, honouring escapes; an unterminated string is left for JSON.parse to refuse
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      if (c === 0x2d) i++;
      let digits = 0;
      while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) {
        i++;
        digits++;
      }
      const next = i < n ? text.charCodeAt(i) : -1;
      const isInteger = next !== 0x2e /* . */ && next !== 0x65 /* e */ && next !== 0x45; /* E */
      if (isInteger && digits >= DIGITS_OF_MAX_SAFE) {
        const literal = text.slice(start, i);
        if (!Number.isSafeInteger(Number(literal))) {
          out ??= [];
          out.push(text.slice(copiedUpTo, start), '"', literal, '"');
          copiedUpTo = i;
        }
      }
      // skip the rest of a fractional/exponent number so its digits are not read as a second literal
      while (i < n && /[0-9.eE+-]/.test(text[i])) i++;
      continue;
    }
    i++;
  }
  if (!out) return text;
  out.push(text.slice(copiedUpTo));
  return out.join('');
}
