import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  OnModuleInit,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiEnv } from '../config/api.env';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * `Authorization: Bearer <key>` against API_KEYS. Keys are compared as SHA-256 digests with
 * timingSafeEqual, over every configured key, so timing reveals neither which key nor how much of
 * it matched. A withdrawn key (API_REVOKED_KEYS) gets 403; anything else without a valid key, 401.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger('auth');
  private readonly keys: Buffer[];
  private readonly revoked: Buffer[];

  constructor(private readonly env: ApiEnv) {
    this.keys = env.API_KEYS.map(digest);
    this.revoked = env.API_REVOKED_KEYS.map(digest);
  }

  onModuleInit(): void {
    if (this.env.API_INSECURE_NO_AUTH) {
      this.logger.warn('API_INSECURE_NO_AUTH=true: /v1 is served WITHOUT authentication. Never do this beyond localhost.');
    }
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (this.env.API_INSECURE_NO_AUTH) return true;
    const header = ctx.switchToHttp().getRequest<Request>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException({ code: 'AUTH_REQUIRED', message: 'send Authorization: Bearer <api key>' });
    const given = digest(match[1]);
    if (anyEqual(this.keys, given)) return true;
    if (anyEqual(this.revoked, given)) throw new ForbiddenException({ code: 'KEY_REVOKED', message: 'this API key was revoked' });
    throw new UnauthorizedException({ code: 'AUTH_INVALID', message: 'unknown API key' });
  }
}

function anyEqual(list: Buffer[], given: Buffer): boolean {
  let found = false;
  for (const k of list) found = timingSafeEqual(k, given) || found;
  return found;
}
