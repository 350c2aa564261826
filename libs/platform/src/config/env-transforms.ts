/** class-transformer helpers for env classes: parse, but leave anything unrecognised for the validator to name. */

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** 'true'/'1'/'yes'/'on' → true, 'false'/'0'/'no'/'off' → false; anything else stays a string (and fails @IsBoolean). */
export const envBoolean = ({
  value,
  obj,
  key,
}: {
  value: unknown;
  obj: Record<string, unknown>;
  key: string;
}): unknown => {
  // the raw text, not what implicit conversion made of it (Boolean('maybe') would be true)
  const raw = obj[key];
  if (typeof raw !== 'string') return value;
  const v = raw.trim().toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : raw;
};

/** 'a, b,,c' → ['a', 'b', 'c'] */
export const envList = ({
  value,
  obj,
  key,
}: {
  value: unknown;
  obj: Record<string, unknown>;
  key: string;
}): unknown => {
  const raw = obj[key];
  return typeof raw === 'string'
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;
};
