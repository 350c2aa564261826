/**
 * SQL for the advertiser-local date of a row with `hour_start` (timestamptz) and `utc_offset_minutes`: the date of the
 * hour start shifted by the offset the row carries. Every reader and writer of daily numbers (the aggregator's rollups,
 * the api's daily answers, the rollup_pending marks) must agree on it; migrations keep their own frozen copy.
 * `alias` qualifies the columns (`h` → `h.hour_start`); null leaves them bare.
 */
export function localDateSql(alias: string | null): string {
  const a = alias ? `${alias}.` : '';
  return `((${a}hour_start + make_interval(mins => ${a}utc_offset_minutes::int)) AT TIME ZONE 'UTC')::date`;
}

/**
 * SQL bounding `alias.hour_start` to the hours that can fall on the local date `date` (a date expression) in any UTC
 * offset (±14 h): index-friendly; the exact test is `localDateSql(alias) = date`.
 */
export function localDayHoursSql(alias: string, date: string): string {
  return (
    `${alias}.hour_start >= ((${date} - interval '14 hours') AT TIME ZONE 'UTC') AND ` +
    `${alias}.hour_start < ((${date} + interval '38 hours') AT TIME ZONE 'UTC')`
  );
}

/**
 * SQL bounding `alias.hour_start` to the hours that can fall on a local date in [`from`, `to`) (date expressions, `to`
 * exclusive) in any UTC offset (±14 h): index-friendly; the exact test is `localDateSql(alias)` within the range. The
 * bounds are instants computed in UTC, so they mean the same hours whatever the session's TimeZone.
 */
export function localDateRangeHoursSql(alias: string, from: string, to: string): string {
  return (
    `${alias}.hour_start >= ((${from} - interval '14 hours') AT TIME ZONE 'UTC') AND ` +
    `${alias}.hour_start < ((${to} + interval '14 hours') AT TIME ZONE 'UTC')`
  );
}
