import { BadRequestException } from '@nestjs/common';

/** Opaque keyset cursors: the sort key of the last row returned, as base64url JSON. */
export function encodeCursor(key: Array<string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, width: number): string[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === width &&
      parsed.every((x) => typeof x === 'string' || typeof x === 'number')
    ) {
      return parsed.map(String);
    }
  } catch {
    // fall through to the 400
  }
  throw badRequest('cursor', 'is not a cursor returned by this endpoint');
}

export function badRequest(field: string, reason: string): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    code: 'VALIDATION',
    message: [`${field} ${reason}`],
    errors: [{ field, reason: `${field} ${reason}` }],
  });
}

/** Takes `limit + 1` rows: the extra one only tells whether another page exists. */
export function page<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => Array<string | number>,
): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
