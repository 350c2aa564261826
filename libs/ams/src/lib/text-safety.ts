/* eslint-disable no-control-regex -- these patterns exist precisely to find control characters */

/** Printable ASCII (space..~): needs no further character checks. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** C0/C1 control characters, DEL, or an unpaired UTF-16 surrogate. */
const CONTROL_OR_LONE_SURROGATE =
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CONTROL_OR_LONE_SURROGATE_G = new RegExp(CONTROL_OR_LONE_SURROGATE.source, 'g');
/** NUL or an unpaired surrogate: what PostgreSQL text / jsonb cannot store. */
const NUL_OR_LONE_SURROGATE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** true when `s` contains control characters or unpaired surrogates (not allowed in ids). */
export function hasControlChars(s: string): boolean {
  return !PRINTABLE_ASCII.test(s) && CONTROL_OR_LONE_SURROGATE.test(s);
}

/** true when `s` contains NUL or unpaired surrogates (not storable in PostgreSQL text/jsonb). */
export function hasUnstorableChars(s: string): boolean {
  return !PRINTABLE_ASCII.test(s) && NUL_OR_LONE_SURROGATE.test(s);
}

/** Replaces control characters and unpaired surrogates with \uXXXX so the text is safe to log and store. */
export function escapeControlChars(s: string): string {
  return s.replace(CONTROL_OR_LONE_SURROGATE_G, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
