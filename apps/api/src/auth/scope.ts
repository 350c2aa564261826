import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/** What a key may do, each including the ones before it: read < operator < admin. */
export const SCOPES = ['read', 'operator', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_METADATA = 'ams:required-scope';
/** The OpenAPI extension every /v1 operation carries (set by RequireScope, or by `describeScopes` for the default). */
export const SCOPE_EXTENSION = 'x-required-scope';

const RANK: Record<Scope, number> = { read: 0, operator: 1, admin: 2 };

/** True when a key of scope `has` may call a route that needs `needs`. */
export function satisfies(has: Scope, needs: Scope): boolean {
  return RANK[has] >= RANK[needs];
}

/**
 * The scope a route needs when it declares none: read for GET/HEAD/OPTIONS, admin for anything else. A route added
 * without thinking about scopes is therefore never writable by a read or operator key.
 */
export function defaultScope(method: string): Scope {
  return /^(GET|HEAD|OPTIONS)$/i.test(method) ? 'read' : 'admin';
}

/**
 * Declares the scope a route (or every route of a controller) needs; read by ApiKeyGuard and stated in the OpenAPI
 * document. Only needed where the default (see defaultScope) is not right, e.g. operator commands.
 */
export function RequireScope(scope: Scope): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(SCOPE_METADATA, scope), ApiExtension(SCOPE_EXTENSION, scope));
}

type Operation = Record<string, unknown> & { description?: string };

/**
 * Completes an OpenAPI document: every operation under /v1 states its scope in `x-required-scope` and in its
 * description, the declared one or the default for its method.
 */
export function describeScopes(doc: { paths: object }): void {
  for (const [path, item] of Object.entries(doc.paths as Record<string, object>)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, op] of Object.entries(item) as Array<[string, Operation]>) {
      if (typeof op !== 'object' || op === null || !/^(get|put|post|delete|patch|head|options)$/.test(method)) continue;
      const scope = (op[SCOPE_EXTENSION] as Scope | undefined) ?? defaultScope(method);
      op[SCOPE_EXTENSION] = scope;
      const line = `Requires an API key of scope \`${scope}\` (or higher).`;
      op.description = op.description ? `${op.description}\n\n${line}` : line;
    }
  }
}
