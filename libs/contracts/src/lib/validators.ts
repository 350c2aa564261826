import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Validators for values that look right but that PostgreSQL (or the arithmetic behind them) cannot take: impossible
 * calendar dates (2025-02-30), year 0 (PostgreSQL has none), hours past 23, offsets past ±14 h, and decimals or
 * counts larger than any real advertising figure. A value they accept can be cast to date/timestamptz/numeric/bigint
 * without an error, so a bad one is the client's 400 naming the field, never a 500 from the database.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** A real day of the proleptic Gregorian calendar in years 0001–9999, written YYYY-MM-DD. */
export function isCalendarDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return d <= days;
}

/** An ISO-8601 date-time with `Z` or a ±hh:mm offset (at most 14 h), on a calendar date, hours 00–23. */
export function isInstantWithOffset(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = INSTANT.exec(value);
  if (!m || !isCalendarDate(m[1])) return false;
  const [h, min, s] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (h > 23 || min > 59 || s > 59) return false;
  if (m[5] !== 'Z' && (Number(m[6]) > 14 || Number(m[7]) > 59)) return false;
  return true;
}

/** YYYY-MM-DD (a whole advertiser-local day) or an instant with offset. */
export function IsCalendarDateOrInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDateOrInstant',
      validator: {
        validate: (v) => isCalendarDate(v) || isInstantWithOffset(v),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a calendar date YYYY-MM-DD or an ISO-8601 date-time with offset (years 0001–9999)`,
          options,
        ),
      },
    },
    options,
  );
}

/** Most digits before / after the point of a decimal a rule or setting takes (a threshold, a spend). */
export const DECIMAL_MAX_INTEGER_DIGITS = 15;
export const DECIMAL_MAX_FRACTION_DIGITS = 10;

/** A plain decimal string (optional sign, no exponent) within DECIMAL_MAX_INTEGER_DIGITS.DECIMAL_MAX_FRACTION_DIGITS. */
export function isBoundedDecimal(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = /^[+-]?(\d*)(?:\.(\d+))?$/.exec(value);
  if (!m || (m[1] === '' && m[2] === undefined)) return false;
  return (
    m[1].replace(/^0+(?=\d)/, '').length <= DECIMAL_MAX_INTEGER_DIGITS &&
    (m[2] ?? '').length <= DECIMAL_MAX_FRACTION_DIGITS
  );
}

export function IsBoundedDecimal(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBoundedDecimal',
      validator: {
        validate: (v) => isBoundedDecimal(v),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a decimal string of at most ${DECIMAL_MAX_INTEGER_DIGITS} digits before the point and ` +
            `${DECIMAL_MAX_FRACTION_DIGITS} after it (no exponent)`,
          options,
        ),
      },
    },
    options,
  );
}

/** The largest count a rule may name (impressions, clicks): JavaScript's safe integers, well inside bigint. */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;
