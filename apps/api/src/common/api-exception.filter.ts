import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { type CommandErrorCode, isCommandErrorCode } from '@ams/contracts';
import { MessagingRemoteError, MessagingTimeoutError } from '@ams/platform';

/**
 * The HTTP status of each code a command handler may answer with; null: not the client's fault, answered like any
 * unexpected error (500 with an error id). UNAVAILABLE (503) and UPSTREAM (502) say what failed (the Ads API
 * connection, Amazon), so they keep their message. A Record over the union: a new CommandErrorCode without a status here does
 * not compile.
 */
export const COMMAND_ERROR_STATUS: Record<CommandErrorCode, number | null> = {
  VALIDATION: HttpStatus.BAD_REQUEST,
  BAD_REQUEST: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  CONFLICT: HttpStatus.CONFLICT,
  UNPROCESSABLE: HttpStatus.UNPROCESSABLE_ENTITY,
  REPROCESS_RUNNING: HttpStatus.CONFLICT,
  UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  UPSTREAM: HttpStatus.BAD_GATEWAY,
  INTERNAL: null,
};

/** The HTTP status of a command's refusal, or null when it is not one the client can act on. */
export function commandErrorStatus(code: string): number | null {
  return isCommandErrorCode(code) ? COMMAND_ERROR_STATUS[code] : null;
}

/**
 * A command's VALIDATION refusal as the api's own 400 names fields: handlers and the messaging module write one
 * `<field path>: <reason>` per problem, joined by `; ` (validatePayload, actionRuleProblems). A part without a field
 * path is the body's.
 */
export function commandValidationErrors(message: string): Array<{ field: string; reason: string }> {
  return problemErrors(message.split('; '));
}

/** `<field path>: <reason>` problems (actionRuleProblems' or a command's) as the 400's errors; no path: the body's. */
export function problemErrors(problems: string[]): Array<{ field: string; reason: string }> {
  return problems
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z0-9_]+)*): (.+)$/s.exec(part);
      return m ? { field: m[1], reason: part } : { field: 'body', reason: part };
    });
}

/** A command no app answered: names the app and the subject (`cmd.<app>.<name>.v<n>`) where the error has them. */
export function timeoutMessage(err: MessagingTimeoutError): string {
  const m = /(?:^|[\s.])(cmd\.([a-z][a-z-]*)\.[A-Za-z0-9.-]+?)(?::|$)/.exec(err.message);
  return m
    ? `the ${m[2]} did not answer ${m[1]} in time (is it running?); retry shortly`
    : 'the service that owns this resource did not answer in time; retry shortly';
}

/**
 * The one place errors become HTTP answers: HttpExceptions keep their body; a command that timed
 * out is a 503 with a clear message; anything else is a 500 carrying an error id that is also in
 * the log (with the stack) — clients never see a stack or an internal message.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (err instanceof HttpException) {
      const body = err.getResponse();
      res
        .status(err.getStatus())
        .json(typeof body === 'string' ? { statusCode: err.getStatus(), message: body } : body);
      return;
    }
    if (err instanceof MessagingTimeoutError) {
      res.status(503).setHeader('Retry-After', '5');
      res.json({
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'COMMAND_TIMEOUT',
        message: timeoutMessage(err),
      });
      return;
    }
    const status = err instanceof MessagingRemoteError ? commandErrorStatus(err.code) : null;
    if (err instanceof MessagingRemoteError && status !== null) {
      res.status(status).json({
        statusCode: status,
        code: err.code,
        message: err.message,
        ...(err.code === 'VALIDATION' ? { errors: commandValidationErrors(err.message) } : {}),
      });
      return;
    }
    const clientError = bodyParserError(err);
    if (clientError) {
      res.status(clientError.statusCode).json(clientError);
      return;
    }
    const errorId = randomUUID();
    this.logger.error(
      { errorId, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) },
      'unhandled error',
    );
    res.status(500).json({ statusCode: 500, error: 'Internal Server Error', code: 'INTERNAL', errorId });
  }
}

/**
 * The request body parser's own refusals (http-errors with `expose`: a body over the size limit, bad
 * JSON, an unsupported charset) are the client's fault: answer them as 4xx with a clear message.
 */
export function bodyParserError(err: unknown): { statusCode: number; code: string; message: string } | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { status?: unknown; expose?: unknown; type?: unknown; limit?: unknown; message?: unknown };
  if (
    typeof e.status !== 'number' ||
    e.status < 400 ||
    e.status > 499 ||
    e.expose !== true ||
    typeof e.type !== 'string'
  )
    return null;
  if (e.type === 'entity.too.large') {
    return {
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: `the request body is larger than the limit of ${String(e.limit)} bytes`,
    };
  }
  if (e.type === 'entity.parse.failed')
    return { statusCode: 400, code: 'BAD_JSON', message: 'the request body is not valid JSON' };
  return {
    statusCode: e.status,
    code: 'BAD_REQUEST',
    message: typeof e.message === 'string' ? e.message : 'bad request body',
  };
}
