import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';

/**
 * The global ValidationPipe, remembering its answers for query strings.
 *
 * A query DTO is a pure function of the query string (no query validator reads the clock or any state), and the same
 * few queries come back again and again (dashboards poll them), so transforming and validating them each time is
 * wasted work: on the api's busiest route it was about a tenth of a cached answer's CPU. A query seen before is answered
 * with a fresh copy of the DTO it gave last time. Only successes are remembered (a bad query is validated again and
 * gets its 400 each time), only DTOs whose fields are primitives or arrays of them (copied, so a handler that changes
 * its DTO changes no one else's), and at most `maxEntries` of them, least recently used forgotten first. Bodies and
 * route parameters go through the plain pipe.
 */
export class QueryValidationPipe extends ValidationPipe {
  private readonly memo = new Map<string, object>();
  private readonly types = new Map<unknown, number>();

  constructor(
    options: ValidationPipeOptions,
    private readonly maxEntries = 1000,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'query' || !metadata.metatype || this.maxEntries <= 0 || !isPlain(value)) {
      return super.transform(value, metadata);
    }
    const key = `${this.typeId(metadata.metatype)}\u0000${JSON.stringify(value)}`;
    const seen = this.memo.get(key);
    if (seen) {
      this.memo.delete(key); // most recently used last
      this.memo.set(key, seen);
      return copyOf(seen);
    }
    const out: unknown = await super.transform(value, metadata);
    if (typeof out === 'object' && out !== null && isFlat(out)) {
      this.memo.set(key, copyOf(out));
      if (this.memo.size > this.maxEntries) this.memo.delete(this.memo.keys().next().value as string);
    }
    return out;
  }

  get size(): number {
    return this.memo.size;
  }

  private typeId(type: unknown): number {
    let id = this.types.get(type);
    if (id === undefined) this.types.set(type, (id = this.types.size));
    return id;
  }
}

/** A parsed query string: an object of strings, arrays of strings, or nested objects of those. */
function isPlain(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFlat(o: object): boolean {
  return Object.values(o).every(
    (v) =>
      v === null || typeof v !== 'object' || (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')),
  );
}

/** Same class, own fields copied (arrays copied too). */
function copyOf<T extends object>(o: T): T {
  const copy = Object.create(Object.getPrototypeOf(o) as object | null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) copy[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  return copy as T;
}
