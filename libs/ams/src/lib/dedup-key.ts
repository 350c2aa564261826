// Dedup keys: safe as a NATS `Nats-Msg-Id` header value

const KEY_SAFE = /^[\x21-\x24\x26-\x39\x3b-\x7e]*$/;

/**
 * Makes one key component printable ASCII without ':' — anything outside 0x21..0x7E, '%' and ':' becomes %XXXX
 * (UTF-16 code unit, 4 hex digits), which keeps keys injective. Real AMS ids never need escaping.
 */
export function escapeKeyPart(s: string): string {
  if (KEY_SAFE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x21 && c <= 0x7e && c !== 0x25 && c !== 0x3a ? s[i] : `%${c.toString(16).padStart(4, '0')}`;
  }
  return out;
}
