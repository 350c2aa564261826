import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  Logger,
  NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { CORRELATION_HEADER, MessagingTimeoutError } from '@ams/platform';
import { principalOf } from '../auth/principal';
import { AUDIT_METADATA, AuditSpec } from './audit.decorator';
import { AuditRepository } from './audit.repository';
import { summarise } from './audit-summary';
import { commandErrorStatus } from '../common/api-exception.filter';

const HTTP_CODE_METADATA = '__httpCode__';

/**
 * Every change through /v1 (any method but GET/HEAD/OPTIONS) is in audit_log, with no way around it:
 * 1. before the handler runs, a `started` row (who, what, target, body summary, correlation id) is written; if that
 *    write fails the request fails with 503 and nothing is changed;
 * 2. afterwards the row becomes `ok` or `failed` with the HTTP status; if that write fails the request fails too
 *    (the change is still on record, as `started`).
 * Refusals before the handler (401/403/429 from the guards) change nothing and are not audited.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('audit');

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditRepository,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const principal = principalOf(req);
    if (ctx.getType() !== 'http' || /^(GET|HEAD|OPTIONS)$/.test(req.method) || !principal) return next.handle();
    return from(this.run(ctx, req, principal.id, next));
  }

  private async run(ctx: ExecutionContext, req: Request, actor: string, next: CallHandler): Promise<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDIT_METADATA, ctx.getHandler());
    const route = `${req.baseUrl ?? ''}${(req.route as { path?: string } | undefined)?.path ?? req.path}`;
    const res = ctx.switchToHttp().getResponse<Response>();
    const correlation = res.getHeader(CORRELATION_HEADER);
    let id: string;
    try {
      id = await this.audit.start({
        actor,
        action: spec?.action ?? `${req.method.toLowerCase()} ${route}`,
        target: spec?.target ? spec.target(req) : req.path,
        summary: summarise(req.body),
        correlationId: typeof correlation === 'string' ? correlation : null,
      });
    } catch (err) {
      this.logger.error(`audit write failed, change refused: ${err instanceof Error ? err.message : String(err)}`);
      throw new ServiceUnavailableException({
        statusCode: 503,
        code: 'AUDIT_UNAVAILABLE',
        message: 'the audit log cannot be written; nothing was changed',
      });
    }
    let result: unknown;
    try {
      result = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (err) {
      await this.audit
        .finish(id, 'failed', statusOf(err))
        .catch((e: unknown) => this.logger.error(`audit ${id} not completed: ${String(e)}`));
      throw err;
    }
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler()) ??
      (req.method === 'POST' ? 201 : 200);
    await this.audit.finish(id, 'ok', status);
    return result;
  }
}

function statusOf(err: unknown): number {
  if (err instanceof HttpException) return err.getStatus();
  if (err instanceof MessagingTimeoutError) return 503;
  const code = (err as { code?: unknown })?.code;
  return (typeof code === 'string' && commandErrorStatus(code)) || 500;
}
