/**
 * Field-level schema machinery behind the record classes in records.ts.
 *
 * Each record class property carries one `@AmsField(spec)` decorator. The decorator does two things:
 *  1. registers a class-validator `ValidateBy` constraint, so `validateSync(instance)` works on the classes;
 *  2. records the spec in a small registry, from which `validateSchema()` runs a straight-line hand validator that
 *     also normalizes the values (decimal strings, parsed hours). validateRecord() uses the fast path on every record.
 * Both paths call the same `normalizeField()`, so they cannot disagree.
 */
import { ValidateBy, type ValidationArguments } from 'class-validator';
import { toDecimalString } from './decimal';
import { hasControlChars, hasUnstorableChars } from './text-safety';
import { parseCalendarDate, parseIsoTimestamp, parseTimeWindowStart } from './time';

export type FieldKind =
  | 'id'
  | 'text'
  | 'count'
  | 'money'
  | 'number'
  | 'time-window-start'
  | 'timestamp'
  | 'date'
  | 'enum'
  | 'version'
  | 'object';

/** Any class usable as a schema (the record classes). */
export type SchemaClass = abstract new (...args: never[]) => object;

export interface FieldSpec {
  readonly kind: FieldKind;
  /** missing (or null) is an error; otherwise missing/null normalizes to null */
  readonly required: boolean;
  /** id / text: maximum length in UTF-16 code units */
  readonly maxLength?: number;
  /** enum: allowed values (already in normalized case) */
  readonly values?: readonly string[];
  /** enum: compare case-insensitively and normalize to this case */
  readonly normalizeCase?: 'upper' | 'lower';
  /** money / number: the least value allowed (excluded when `minExclusive`) */
  readonly min?: number;
  readonly minExclusive?: boolean;
  /** money / number: the greatest value allowed */
  readonly max?: number;
  /** money / number: one value allowed outside min..max (a sentinel such as −1 for "unknown") */
  readonly except?: number;
  /** object: the nested schema class (lazy so classes can be declared in any order) */
  readonly schema?: () => SchemaClass;
}

/** Money and plain numbers must stay below this magnitude (far beyond any real ad spend; keeps doubles exact-ish). */
export const MAX_ABS_NUMBER = 1e15;

/** Short, printable rendering of an offending value for reasons: "seven" -> "\"seven\"", 42 -> 42, [] -> array. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${String(v)}n`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'array' : 'object';
    default:
      return typeof v;
  }
}

/** Formats an object key as a path segment: `.name` or `["odd key"]`. */
export function pathSegment(prefix: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]{0,63}$/.test(key)) return prefix === '' ? key : `${prefix}.${key}`;
  return `${prefix}[${describeValue(key)}]`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  // Object.prototype of any realm (or no prototype at all): JSON.parse output, object literals, Object.create(null).
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Validates one value against its spec and returns the normalized value:
 * id/text -> string, count -> integer decimal string, money/number -> canonical decimal string,
 * time-window-start -> HourWindow, timestamp -> ISO UTC string, date -> YYYY-MM-DD, enum -> normalized string, version -> number,
 * object -> normalized nested record. Missing/null optional values -> null. Problems are pushed to `errors` as
 * "<path>: <why>".
 */
export function normalizeField(spec: FieldSpec, value: unknown, path: string, errors: string[]): unknown {
  if (value === undefined || value === null) {
    if (spec.required) errors.push(value === null ? `${path}: is required (got null)` : `${path}: is required`);
    return null;
  }
  switch (spec.kind) {
    case 'id':
    case 'text': {
      if (typeof value !== 'string') {
        errors.push(`${path}: must be a string (got ${describeValue(value)})`);
        return null;
      }
      if (spec.kind === 'id' && value.length === 0) {
        errors.push(`${path}: must not be empty`);
        return null;
      }
      const max = spec.maxLength ?? Infinity;
      if (value.length > max) {
        errors.push(`${path}: must be at most ${max} characters (got ${value.length})`);
        return null;
      }
      if (spec.kind === 'id' ? hasControlChars(value) : hasUnstorableChars(value)) {
        errors.push(
          spec.kind === 'id'
            ? `${path}: must not contain control characters or unpaired surrogates (got ${describeValue(value)})`
            : `${path}: must not contain NUL characters or unpaired surrogates (got ${describeValue(value)})`,
        );
        return null;
      }
      return value;
    }
    case 'count': {
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value === 0 ? 0 : value);
      errors.push(
        typeof value === 'number' && Number.isInteger(value)
          ? `${path}: must be a safe integer (got ${describeValue(value)})`
          : `${path}: must be an integer (got ${describeValue(value)})`,
      );
      return null;
    }
    case 'money':
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) {
        if (Math.abs(value) < MAX_ABS_NUMBER) {
          const range = outOfRange(spec, value);
          if (range === null) return toDecimalString(value);
          errors.push(`${path}: ${range} (got ${describeValue(value)})`);
          return null;
        }
        errors.push(`${path}: must be below ${MAX_ABS_NUMBER} in absolute value (got ${describeValue(value)})`);
        return null;
      }
      errors.push(`${path}: must be a finite number (got ${describeValue(value)})`);
      return null;
    }
    case 'time-window-start':
    case 'timestamp': {
      try {
        return spec.kind === 'timestamp' ? parseIsoTimestamp(value as string) : parseTimeWindowStart(value as string);
      } catch (e) {
        errors.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    }
    case 'date': {
      try {
        return parseCalendarDate(value as string);
      } catch (e) {
        errors.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    }
    case 'enum': {
      const values = spec.values ?? [];
      if (typeof value === 'string' && value.length <= 64) {
        const v =
          spec.normalizeCase === 'upper'
            ? value.toUpperCase()
            : spec.normalizeCase === 'lower'
              ? value.toLowerCase()
              : value;
        if (values.includes(v)) return v;
      }
      errors.push(`${path}: must be one of ${values.join(', ')} (got ${describeValue(value)})`);
      return null;
    }
    case 'version': {
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value === 0 ? 0 : value;
      errors.push(`${path}: must be a non-negative safe integer (got ${describeValue(value)})`);
      return null;
    }
    case 'object': {
      if (!isPlainObject(value) || spec.schema === undefined) {
        errors.push(`${path}: must be an object (got ${describeValue(value)})`);
        return null;
      }
      return validateSchema(spec.schema(), value, `${path}.`, errors);
    }
  }
}

/** Why a finite number is outside its spec's range (null: inside). */
function outOfRange(spec: FieldSpec, value: number): string | null {
  if (spec.min === undefined && spec.max === undefined) return null;
  if (spec.except !== undefined && value === spec.except) return null;
  const low = spec.min === undefined || (spec.minExclusive ? value > spec.min : value >= spec.min);
  const high = spec.max === undefined || value <= spec.max;
  if (low && high) return null;
  const range =
    spec.max === undefined
      ? spec.minExclusive
        ? `must be above ${spec.min}`
        : `must not be below ${spec.min}`
      : `must be between ${spec.min} and ${spec.max}`;
  return spec.except === undefined ? range : `${range}, or ${spec.except}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Registry + compiled schemas

const OWN_FIELDS = new Map<unknown, Array<readonly [string, FieldSpec]>>();

export interface CompiledField {
  readonly name: string;
  readonly spec: FieldSpec;
}
export interface CompiledSchema {
  readonly fields: readonly CompiledField[];
  readonly byName: ReadonlyMap<string, FieldSpec>;
}

const COMPILED = new Map<unknown, CompiledSchema>();

/** The declared fields of a record class, base-class fields first. */
export function getSchema(cls: SchemaClass): CompiledSchema {
  const hit = COMPILED.get(cls);
  if (hit) return hit;
  const chain: unknown[] = [];
  for (let c: unknown = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    chain.unshift(c);
  }
  const byName = new Map<string, FieldSpec>();
  for (const c of chain) for (const [name, spec] of OWN_FIELDS.get(c) ?? []) byName.set(name, spec);
  const compiled: CompiledSchema = {
    fields: [...byName].map(([name, spec]) => ({ name, spec })),
    byName,
  };
  COMPILED.set(cls, compiled);
  return compiled;
}

/**
 * Hand-validates `obj` against a record class and returns the normalized declared fields (missing optional -> null).
 * Undeclared fields are ignored (allowed). Problems are pushed to `errors`.
 */
export function validateSchema(
  cls: SchemaClass,
  obj: Record<string, unknown>,
  prefix: string,
  errors: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, spec } of getSchema(cls).fields) {
    out[name] = normalizeField(spec, Object.hasOwn(obj, name) ? obj[name] : undefined, prefix + name, errors);
  }
  return out;
}

/**
 * Declares a record field. Registers a class-validator constraint (name `amsField`) and the spec for the fast path.
 */
export function AmsField(spec: FieldSpec): PropertyDecorator {
  const classValidatorDecorator = ValidateBy({
    name: 'amsField',
    constraints: [spec],
    validator: {
      validate(value: unknown): boolean {
        const errors: string[] = [];
        normalizeField(spec, value, '', errors);
        return errors.length === 0;
      },
      defaultMessage(args?: ValidationArguments): string {
        const errors: string[] = [];
        normalizeField(spec, args?.value, args?.property ?? '', errors);
        return errors.join('; ');
      },
    },
  });
  return (target: object, propertyKey: string | symbol): void => {
    if (typeof propertyKey !== 'string') throw new TypeError('AmsField: symbol properties are not supported');
    const ctor = (target as { constructor: unknown }).constructor;
    let own = OWN_FIELDS.get(ctor);
    if (!own) {
      own = [];
      OWN_FIELDS.set(ctor, own);
    }
    own.push([propertyKey, spec]);
    COMPILED.clear();
    classValidatorDecorator(target, propertyKey);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON safety of fields we do not model (extras / raw entity bodies)

export interface JsonLimits {
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = {
  maxDepth: 32,
  maxNodes: 20_000,
};

/**
 * Iteratively (no recursion over input) checks that `value` is plain JSON the database can store: finite numbers,
 * strings/keys without NUL or unpaired surrogates (PostgreSQL text/jsonb reject them), plain objects and arrays, at
 * most `maxDepth` levels and `maxNodes` values. Pushes at most a few errors.
 */
export function checkJsonValue(
  value: unknown,
  path: string,
  errors: string[],
  limits: JsonLimits = DEFAULT_JSON_LIMITS,
): void {
  const startErrors = errors.length;
  const stack: Array<[unknown, string, number]> = [[value, path, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    if (errors.length - startErrors >= 5) return;
    const [v, p, depth] = stack.pop() as [unknown, string, number];
    if (++nodes > limits.maxNodes) {
      errors.push(`${path}: is too large (more than ${limits.maxNodes} JSON values)`);
      return;
    }
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) errors.push(`${p}: must be a finite number (got ${describeValue(v)})`);
      continue;
    }
    if (typeof v === 'string') {
      if (hasUnstorableChars(v)) errors.push(`${p}: must not contain NUL characters or unpaired surrogates`);
      continue;
    }
    if (typeof v !== 'object') {
      errors.push(`${p}: must be a JSON value (got ${typeof v})`);
      continue;
    }
    if (depth >= limits.maxDepth) {
      errors.push(`${p}: is nested too deeply (more than ${limits.maxDepth} levels)`);
      return;
    }
    if (Array.isArray(v)) {
      if (nodes + stack.length + v.length > limits.maxNodes) {
        errors.push(`${path}: is too large (more than ${limits.maxNodes} JSON values)`);
        return;
      }
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}[${i}]`, depth + 1]);
      continue;
    }
    if (!isPlainObject(v)) {
      errors.push(`${p}: must be a JSON value (got ${describeValue(v)})`);
      continue;
    }
    const keys = Object.keys(v);
    if (nodes + stack.length + keys.length > limits.maxNodes) {
      errors.push(`${path}: is too large (more than ${limits.maxNodes} JSON values)`);
      return;
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      if (hasUnstorableChars(k)) {
        errors.push(`${p}: keys must not contain NUL characters or unpaired surrogates`);
        continue;
      }
      stack.push([v[k], pathSegment(p, k), depth + 1]);
    }
  }
}
