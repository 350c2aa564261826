import { createParamDecorator, ExecutionContext, NotFoundException } from '@nestjs/common';
import type { Scope } from './scope';

/**
 * Who is calling, as ApiKeyGuard established it. `id` is safe to log and to store (audit log, rate-limit bucket): the
 * row id of a managed key (`key:<id>`), a short digest of an environment key (`env:<12 hex>`), never the key.
 * `advertiserIds` null means unrestricted; otherwise every read and command is limited to those advertisers.
 */
export interface Principal {
  id: string;
  scope: Scope;
  advertiserIds: string[] | null;
  source: 'env' | 'managed' | 'insecure';
}

export const PRINCIPAL = Symbol('ams:principal');

export function principalOf(req: object): Principal | undefined {
  return (req as { [PRINCIPAL]?: Principal })[PRINCIPAL];
}

export function setPrincipal(req: object, p: Principal): void {
  (req as { [PRINCIPAL]?: Principal })[PRINCIPAL] = p;
}

/** The calling key's principal (routes behind ApiKeyGuard always have one). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const p = principalOf(ctx.switchToHttp().getRequest<object>());
  if (!p) throw new Error('CurrentPrincipal used on a route without ApiKeyGuard');
  return p;
});

/** May this principal see this advertiser? */
export function mayAccess(p: Principal, advertiserId: string | null | undefined): boolean {
  return (
    p.advertiserIds === null ||
    (advertiserId !== null && advertiserId !== undefined && p.advertiserIds.includes(advertiserId))
  );
}

/**
 * The advertiser filter of a list: undefined = no filter. A restricted key asking for an advertiser outside its list
 * gets 404 (the advertiser is not revealed to exist), asking for none gets its own advertisers.
 */
export function advertiserFilter(p: Principal, asked: string | undefined, what = 'advertiser'): string[] | undefined {
  if (asked !== undefined) {
    if (!mayAccess(p, asked)) throw notFound(`${what} ${asked} does not exist`);
    return [asked];
  }
  return p.advertiserIds ?? undefined;
}

export function notFound(message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, code: 'NOT_FOUND', message });
}
