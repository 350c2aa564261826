import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * Rate limit per client on /v1 (health and metrics are never throttled: they don't use it).
 * Answers 429 with Retry-After. Keyed by API key when there is one, else by address.
 */
@Injectable()
export class ThrottledGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const headers = (req['headers'] ?? {}) as Record<string, string | undefined>;
    const auth = headers['authorization'];
    return auth ? `key:${createHash('sha256').update(auth).digest('hex').slice(0, 16)}` : `ip:${String(req['ip'] ?? 'unknown')}`;
  }
}
