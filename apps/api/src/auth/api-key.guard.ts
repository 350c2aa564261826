import { timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  OnModuleInit,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiEnv } from '../config/api.env';
import { ApiKeysRepository, keyDigest } from './api-keys.repository';
import { AuthFailureLimiter } from './auth-failures';
import { Principal, setPrincipal } from './principal';
import { defaultScope, satisfies, Scope, SCOPE_METADATA } from './scope';

interface EnvKey {
  digest: Buffer;
  scope: Scope;
}

/** `env:` + the first 12 hex digits of the key's SHA-256: names an environment key in logs and the audit log. */
export const envKeyId = (digest: Buffer): string => `env:${digest.toString('hex').slice(0, 12)}`;

/** The bearer key of an Authorization header (scheme case-insensitive, any spacing), or null. */
export function bearerKey(header: unknown): string | null {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}

/**
 * `Authorization: Bearer <key>`, then the route's scope.
 *
 * Keys: API_KEYS (admin), API_OPERATOR_KEYS, API_READ_KEYS (unrestricted, for bootstrap and automation), compared as
 * SHA-256 digests with timingSafeEqual over every configured key, so timing reveals neither which key nor how much of
 * it matched; then the managed keys (api_key, looked up by digest on every request, so a revoke holds at once on every
 * replica). A withdrawn key (API_REVOKED_KEYS or a revoked managed key) gets 403 KEY_REVOKED; no or an unknown key,
 * 401; too many failures from one address in a minute, 429 (AuthFailureLimiter).
 *
 * Scope: the route's @RequireScope, else read for GET and admin for anything else (defaultScope); short of it, 403
 * SCOPE_REQUIRED naming the scope. The caller's Principal is left on the request for the handlers.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger('auth');
  private readonly keys: EnvKey[];
  private readonly revoked: Buffer[];

  constructor(
    private readonly env: ApiEnv,
    private readonly reflector: Reflector,
    private readonly managed: ApiKeysRepository,
    private readonly failures: AuthFailureLimiter,
  ) {
    this.keys = [
      ...env.API_KEYS.map((k) => ({ digest: keyDigest(k), scope: 'admin' as const })),
      ...env.API_OPERATOR_KEYS.map((k) => ({ digest: keyDigest(k), scope: 'operator' as const })),
      ...env.API_READ_KEYS.map((k) => ({ digest: keyDigest(k), scope: 'read' as const })),
    ];
    this.revoked = env.API_REVOKED_KEYS.map(keyDigest);
  }

  onModuleInit(): void {
    if (this.env.API_INSECURE_NO_AUTH) {
      this.logger.warn(
        'API_INSECURE_NO_AUTH=true: /v1 is served WITHOUT authentication. Never do this beyond localhost.',
      );
    }
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const principal = this.env.API_INSECURE_NO_AUTH
      ? ({ id: 'insecure', scope: 'admin', advertiserIds: null, source: 'insecure' } satisfies Principal)
      : await this.authenticate(req, ctx.switchToHttp().getResponse<Response>());
    const needs =
      this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_METADATA, [ctx.getHandler(), ctx.getClass()]) ??
      defaultScope(req.method);
    if (!satisfies(principal.scope, needs)) {
      throw new ForbiddenException({
        statusCode: 403,
        code: 'SCOPE_REQUIRED',
        requiredScope: needs,
        message: `this needs an API key of scope ${needs}; this key's scope is ${principal.scope}`,
      });
    }
    setPrincipal(req, principal);
    return true;
  }

  /**
   * The caller's principal when the request carries a valid key, else null (no key, a wrong, revoked or rate-limited
   * one): for routes that show more to an authenticated caller. A wrong key still counts as a failed authentication.
   */
  async tryAuthenticate(req: Request, res: Response): Promise<Principal | null> {
    if (this.env.API_INSECURE_NO_AUTH)
      return { id: 'insecure', scope: 'admin', advertiserIds: null, source: 'insecure' };
    if (req.headers.authorization === undefined) return null;
    try {
      return await this.authenticate(req, res);
    } catch (err) {
      if (err instanceof HttpException && err.getStatus() < 500) {
        res.removeHeader('Retry-After');
        return null;
      }
      throw err;
    }
  }

  private async authenticate(req: Request, res: Response): Promise<Principal> {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = this.failures.blockedFor(address);
    if (wait > 0) throw tooManyFailures(res, wait);
    try {
      return await this.identify(req.headers.authorization);
    } catch (err) {
      if (err instanceof UnauthorizedException || err instanceof ForbiddenException) {
        const blocked = this.failures.fail(address);
        if (blocked > 0) throw tooManyFailures(res, blocked);
      }
      throw err;
    }
  }

  private async identify(header: unknown): Promise<Principal> {
    const key = bearerKey(header);
    if (!key)
      throw new UnauthorizedException({
        code: 'AUTH_REQUIRED',
        message: 'send Authorization: Bearer <api key>',
      });
    const given = keyDigest(key);
    const envKey = findEqual(this.keys, given);
    if (envKey) return { id: envKeyId(given), scope: envKey.scope, advertiserIds: null, source: 'env' };
    if (
      findEqual(
        this.revoked.map((digest) => ({ digest })),
        given,
      )
    )
      throw revokedKey();
    const row = await this.managed.byDigest(given);
    if (!row) throw new UnauthorizedException({ code: 'AUTH_INVALID', message: 'unknown API key' });
    if (row.revoked_at) throw revokedKey();
    this.managed.touch(row);
    return { id: `key:${row.id}`, scope: row.scope, advertiserIds: row.advertiser_ids, source: 'managed' };
  }
}

function revokedKey(): ForbiddenException {
  return new ForbiddenException({ statusCode: 403, code: 'KEY_REVOKED', message: 'this API key was revoked' });
}

function tooManyFailures(res: Response, seconds: number): HttpException {
  res.setHeader('Retry-After', String(seconds));
  return new HttpException(
    {
      statusCode: 429,
      code: 'AUTH_RATE_LIMITED',
      message: `too many failed authentications from this address; retry in ${seconds} s`,
    },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}

/** The entry whose digest equals `given`, comparing against every entry (constant time over the list). */
function findEqual<T extends { digest: Buffer }>(list: T[], given: Buffer): T | undefined {
  let found: T | undefined;
  for (const k of list) if (timingSafeEqual(k.digest, given) && !found) found = k;
  return found;
}
