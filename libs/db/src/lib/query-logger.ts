import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';

/** Longest query text and parameter dump a failed-query log line carries. */
export const LOGGED_QUERY_CHARS = 1_000;
export const LOGGED_PARAMETERS_CHARS = 500;

/**
 * TypeORM's logger for every pool: a failed query is one line through the app's logger (JSON lines, with the
 * SQLSTATE), its text and parameters cut to a few hundred characters. TypeORM's own console logger printed the whole
 * statement with every parameter, megabytes for a 10,000-record batch, once per failed attempt — and the processor
 * retries a refused batch in halves to isolate the bad record. Successful queries are not logged.
 */
export class BoundedQueryLogger implements Logger {
  private readonly logger = new NestLogger('typeorm');

  logQuery(): void {
    // not logged
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown): void {
    const e = error as { message?: string; code?: string };
    this.logger.error(
      {
        code: typeof e?.code === 'string' ? e.code : undefined,
        error: clip(String(typeof error === 'string' ? error : e?.message), LOGGED_PARAMETERS_CHARS),
        query: clip(query.replace(/\s+/g, ' ').trim(), LOGGED_QUERY_CHARS),
        parameters: parameters === undefined ? undefined : clip(safeJson(parameters), LOGGED_PARAMETERS_CHARS),
      },
      'query failed',
    );
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, query: clip(query.replace(/\s+/g, ' ').trim(), LOGGED_QUERY_CHARS) }, 'slow query');
  }

  logSchemaBuild(): void {
    // schema is built by migrations only
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
    else this.logger.log(message);
  }
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
