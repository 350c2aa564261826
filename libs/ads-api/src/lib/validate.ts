/**
 * Hand-written guards for Amazon's answers, checked at the boundary: a check either returns a complete,
 * typed value or throws `ValidationProblem` naming the JSON path. Nothing half-checked escapes.
 *
 * Unknown fields: Amazon adds fields without notice, so by default they are dropped from the result (and
 * listed in `ctx.unknown` for a warning); with `unknownFields: 'reject'` the first one is a problem.
 */
export class ValidationProblem extends Error {}

export interface CheckContext {
  unknownFields: 'strip' | 'reject';
  /** JSON paths of the unknown fields met (strip mode), at most 20 */
  unknown: string[];
}

export type Check<T> = (value: unknown, path: string, ctx: CheckContext) => T;
type OptionalCheck<T> = Check<T | undefined> & { optional: true };

function fail(path: string, expected: string, value: unknown): never {
  const got =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'string'
          ? `"${value.slice(0, 40)}"`
          : typeof value;
  throw new ValidationProblem(`${path}: expected ${expected}, got ${got}`);
}

export const str: Check<string> = (v, path) => (typeof v === 'string' ? v : fail(path, 'a string', v));

export const nonEmptyStr: Check<string> = (v, path) =>
  typeof v === 'string' && v.length > 0 ? v : fail(path, 'a non-empty string', v);

export const num: Check<number> = (v, path) =>
  typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a number', v);

export const bool: Check<boolean> = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'a boolean', v));

/**
 * An id, always returned as a string: a string (SP v3, SB v4, streams), a safe integer, or the digits the
 * lossless parser kept for an integer beyond 2^53 (SD, SB v3, profiles).
 */
export const id: Check<string> = (v, path) => {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return fail(path, 'an id (string or integer)', v);
};

/**
 * An int64 id that Amazon sends as a JSON number (SB v3, SD): a non-negative safe integer, or the digits the
 * lossless parser kept for one beyond 2^53. Returned as its decimal string. Any other string ("abc", "", "1.5")
 * is a malformed answer. (A quoted string of digits cannot be told apart from an int64 the parser kept, so it
 * passes.)
 */
export const int64Id: Check<string> = (v, path) => {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return fail(path, 'an int64 id (a JSON integer)', v);
};

/** Any JSON value, kept as it is (nested structures the client passes through without reading). */
export const json: Check<unknown> = (v) => v;

export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (v, path) =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? (v as T)
      : fail(path, `one of ${values.join('|')}`, v);
}

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  const c = ((v: unknown, path: string, ctx: CheckContext) =>
    v === undefined || v === null ? undefined : check(v, path, ctx)) as OptionalCheck<T>;
  c.optional = true;
  return c;
}

export function arrayOf<T>(check: Check<T>): Check<T[]> {
  return (v, path, ctx) => {
    if (!Array.isArray(v)) fail(path, 'an array', v);
    const out = new Array<T>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = check(v[i], `${path}[${i}]`, ctx);
    return out;
  };
}

type Shape = Record<string, Check<unknown>>;
type ValueOf<C> = C extends Check<infer T> ? T : never;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends { optional: true } ? never : K }[keyof S];
type OptionalKeys<S> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in OptionalKeys<S>]?: Exclude<ValueOf<S[K]>, undefined>;
};

/** An object with exactly the fields of `shape` (required unless `optional`); absent optional fields are left out. */
export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return (v, path, ctx) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const value = shape[k](input[k], `${path}.${k}`, ctx);
      if (value !== undefined) out[k] = value;
    }
    for (const k of Object.keys(input)) {
      if (Object.prototype.hasOwnProperty.call(shape, k)) continue;
      if (ctx.unknownFields === 'reject') throw new ValidationProblem(`${path}.${k}: unknown field`);
      if (ctx.unknown.length < 20) ctx.unknown.push(`${path}.${k}`);
    }
    return out as ObjectOf<S>;
  };
}

/** Runs a check from the root (`$`). */
export function checkRoot<T>(
  check: Check<T>,
  value: unknown,
  unknownFields: CheckContext['unknownFields'],
): { value: T; unknown: string[] } {
  const ctx: CheckContext = { unknownFields, unknown: [] };
  return { value: check(value, '$', ctx), unknown: ctx.unknown };
}
