/**
 * JSON out, with int64 ids as JSON numbers where Amazon sends numbers (profiles, SD) even beyond 2^53:
 * `rawInt("9007199254740993")` serialises as the bare literal 9007199254740993.
 */
const MARK = '#int#';

export function rawInt(digits: string): string {
  if (!/^-?\d+$/.test(digits)) throw new Error(`not an integer id: ${digits}`);
  return MARK + digits;
}

export function toWireJson(value: unknown): string {
  return JSON.stringify(value).replace(/"#int#(-?\d+)"/g, '$1');
}
