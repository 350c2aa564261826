/**
 * What a failed batch write means, from the PostgreSQL error (SQLSTATE, https://www.postgresql.org/docs/current/errcodes-appendix.html):
 *
 * - `record`: the data itself is refused — class 22 (data exception: numeric overflow, invalid text representation,
 *   value too long…), class 23 (integrity constraint violation: check, not-null, foreign key…) and 54000 (program limit
 *   exceeded, e.g. an index row too large for one value). Retrying the same rows fails the same way forever, so the
 *   batch is split to find the record(s) at fault.
 * - `transient`: everything else — connection loss (class 08, errors without a SQLSTATE such as ECONNRESET or a pool
 *   timeout), serialization failure and deadlock (class 40), lock timeout (55P03), admin/crash shutdown (57P01–57P03),
 *   statement timeout (57014), insufficient resources (class 53), system errors (class 58) and also schema/code errors
 *   (class 42: a missing table is our fault, not the record's). The batch is retried whole, as before: quarantining
 *   good records because the database is down or the code is wrong would lose them from the numbers.
 *
 * Invariant: only an error that names the data is ever `record`; when in doubt, retry.
 */
export type DbErrorKind = 'record' | 'transient';

const RECORD_CLASSES = new Set(['22', '23']);
const RECORD_CODES = new Set(['54000']);

export function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function classifyDbError(err: unknown): DbErrorKind {
  const code = sqlStateOf(err);
  if (!code) return 'transient';
  return RECORD_CLASSES.has(code.slice(0, 2)) || RECORD_CODES.has(code) ? 'record' : 'transient';
}

/** The reason stored with a refused record: SQLSTATE, message and, when PostgreSQL names them, column/constraint. */
export function dbErrorReason(err: unknown): string {
  const e = err as { message?: unknown; column?: unknown; constraint?: unknown; table?: unknown; detail?: unknown };
  const parts = [`PostgreSQL ${sqlStateOf(err) ?? '?'}: ${typeof e?.message === 'string' ? e.message : String(err)}`];
  if (typeof e?.table === 'string') parts.push(`table ${e.table}`);
  if (typeof e?.column === 'string') parts.push(`column ${e.column}`);
  if (typeof e?.constraint === 'string') parts.push(`constraint ${e.constraint}`);
  return parts.join('; ').slice(0, 500);
}
