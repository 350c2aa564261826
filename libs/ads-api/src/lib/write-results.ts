/**
 * Amazon's per-item answers to the update calls (ADS-API §3), checked at the boundary and joined to the
 * request by index. Three shapes:
 *
 * - SP v3 and SB v4: 207 `{<root>: {success: [{index, <id>, <entity>?}], error: [{index, errors: [{errorType, errorValue}]}]}}`;
 * - SB v3 keywords and SD: 207 bare array, one `{<id>, code, description?}` per request item, in request order;
 * - SB v3 targets: `{updateTargetSuccessResults: [{targetRequestIndex, targetId}], updateTargetErrorResults: [{targetRequestIndex, code?, details?}]}`.
 *
 * Every request item must get exactly one result, with its own id: anything else is a malformed answer (and,
 * for a write, an outcome in doubt).
 */
import {
  Check,
  ValidationProblem,
  arrayOf,
  id,
  int64Id,
  json,
  nonEmptyStr,
  num,
  object,
  optional,
  str,
} from './validate';

/** One item's outcome, as Amazon reported it. */
export interface WriteItemResult<E = unknown> {
  /** position in the caller's list */
  index: number;
  id: string;
  ok: boolean;
  /** `SUCCESS`, or Amazon's reason (SP/SB v4, e.g. `BUDGET_TOO_LOW`; the `errorType` without one) or `code` (SB v3, SD) */
  code: string;
  /** SP/SB v4: the `errorValue` selector (`budgetError`, `throttledError`…) */
  errorType: string | null;
  message: string | null;
  /** throttled item (`throttledError`, `THROTTLED`, `TOO_MANY_REQUESTS`): not applied, may be sent again */
  retryable: boolean;
  /** SP/SB v4 with `Prefer: return=representation`: the entity after the update */
  entity?: E;
  /** the item's result as Amazon sent it (store it: the enums grow) */
  raw: unknown;
  /** Amazon's request id of the chunk's response */
  requestId: string | null;
}

/** An outcome within one chunk (`index` and `requestId` are added by the caller). */
export type ChunkOutcome<E> = Omit<WriteItemResult<E>, 'index' | 'requestId'>;

const THROTTLED = new Set(['throttledError', 'THROTTLED', 'TOO_MANY_REQUESTS']);
const isRetryable = (...codes: Array<string | null | undefined>) => codes.some((c) => c != null && THROTTLED.has(c));

function withRaw<T>(check: Check<T>): Check<{ value: T; raw: unknown }> {
  return (v, path, ctx) => ({ value: check(v, path, ctx), raw: v });
}

function requestIndex(v: number, path: string, size: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= size)
    throw new ValidationProblem(`${path}: index ${v} is not a position of the request (0-${size - 1})`);
  return v;
}

/** Puts each outcome at its request position; every position exactly once, with the id that was sent. */
function join<E>(
  size: number,
  ids: readonly string[],
  path: string,
  items: Array<{ index: number; outcome: ChunkOutcome<E>; at: string }>,
): ChunkOutcome<E>[] {
  const out = new Array<ChunkOutcome<E> | undefined>(size);
  for (const it of items) {
    const i = requestIndex(it.index, it.at, size);
    if (out[i]) throw new ValidationProblem(`${it.at}: a second result for request item ${i}`);
    if (it.outcome.id !== '' && it.outcome.id !== ids[i])
      throw new ValidationProblem(`${it.at}: id ${it.outcome.id} is not the id sent at ${i} (${ids[i]})`);
    out[i] = { ...it.outcome, id: ids[i] };
  }
  const missing = out.findIndex((x) => x === undefined);
  if (missing >= 0 || out.length < size) throw new ValidationProblem(`${path}: no result for request item ${missing}`);
  return out as ChunkOutcome<E>[];
}

/** The reason and message inside `errorValue: {<errorType>: {reason, message, …}}`. */
function errorDetail(errorType: string, errorValue: unknown): { reason?: string; message?: string } {
  const d = (errorValue as Record<string, unknown> | null)?.[errorType] as Record<string, unknown> | undefined;
  if (typeof d !== 'object' || d === null) return {};
  return {
    reason: typeof d['reason'] === 'string' ? d['reason'] : undefined,
    message: typeof d['message'] === 'string' ? d['message'] : undefined,
  };
}

const mutationError = object({ errorType: nonEmptyStr, errorValue: optional(json) });

/** SP v3 / SB v4 207 for a request of `ids` (in order). */
export function multiStatusCheck<E>(
  root: string,
  idField: string,
  entityField: string,
  entity: Check<E>,
  ids: readonly string[],
): Check<ChunkOutcome<E>[]> {
  const success = withRaw(object({ index: num, [idField]: id, [entityField]: optional(entity) }));
  const error = withRaw(object({ index: num, [idField]: optional(id), errors: arrayOf(mutationError) }));
  const outer = object({
    [root]: object({ success: optional(arrayOf(success)), error: optional(arrayOf(error)) }),
  });
  return (v, path, ctx) => {
    const body = (outer(v, path, ctx) as Record<string, { success?: unknown[]; error?: unknown[] }>)[root];
    const items: Array<{ index: number; outcome: ChunkOutcome<E>; at: string }> = [];
    (body.success ?? []).forEach((s, i) => {
      const { value, raw } = s as { value: Record<string, unknown>; raw: unknown };
      items.push({
        index: value['index'] as number,
        at: `${path}.${root}.success[${i}]`,
        outcome: {
          id: value[idField] as string,
          ok: true,
          code: 'SUCCESS',
          errorType: null,
          message: null,
          retryable: false,
          ...(value[entityField] !== undefined ? { entity: value[entityField] as E } : {}),
          raw,
        },
      });
    });
    (body.error ?? []).forEach((e, i) => {
      const { value, raw } = e as {
        value: { index: number; errors: Array<{ errorType: string; errorValue?: unknown }> } & Record<string, unknown>;
        raw: unknown;
      };
      const at = `${path}.${root}.error[${i}]`;
      const first = value.errors[0];
      if (!first) throw new ValidationProblem(`${at}.errors: expected at least one error`);
      const { reason, message } = errorDetail(first.errorType, first.errorValue);
      items.push({
        index: value.index,
        at,
        outcome: {
          id: (value[idField] as string | undefined) ?? '',
          ok: false,
          code: reason ?? first.errorType,
          errorType: first.errorType,
          message: message ?? null,
          retryable: value.errors.some((x) => isRetryable(x.errorType, errorDetail(x.errorType, x.errorValue).reason)),
          raw,
        },
      });
    });
    return join(ids.length, ids, `${path}.${root}`, items);
  };
}

/** SB v3 keywords / SD 207: a bare array, one `{<idField>, code, description?}` per request item, in order. */
export function itemArrayCheck(idField: string, ids: readonly string[]): Check<ChunkOutcome<never>[]> {
  const item = withRaw(
    object({
      [idField]: int64Id,
      code: nonEmptyStr,
      description: optional(str),
      details: optional(str),
      errors: optional(json),
    }),
  );
  const list = arrayOf(item);
  return (v, path, ctx) => {
    const items = list(v, path, ctx).map(({ value, raw }, i) => {
      const code = value['code'] as string;
      const message = (value['description'] ?? value['details'] ?? null) as string | null;
      const ok = code === 'SUCCESS';
      return {
        index: i,
        at: `${path}[${i}]`,
        outcome: {
          id: value[idField] as string,
          ok,
          code,
          errorType: null,
          message,
          retryable: isRetryable(code),
          raw,
        },
      };
    });
    if (items.length !== ids.length)
      throw new ValidationProblem(`${path}: ${items.length} results for ${ids.length} request items`);
    return join(ids.length, ids, path, items);
  };
}

const sbTargetSuccess = withRaw(object({ targetRequestIndex: num, targetId: int64Id, target: optional(json) }));
const sbTargetError = withRaw(
  object({ targetRequestIndex: num, code: optional(str), details: optional(str), description: optional(str) }),
);
const sbTargetAnswer = object({
  updateTargetSuccessResults: optional(arrayOf(sbTargetSuccess)),
  updateTargetErrorResults: optional(arrayOf(sbTargetError)),
});

/** SB v3 `PUT /sb/targets`: success and error results by `targetRequestIndex`. */
export function sbTargetUpdateCheck(ids: readonly string[]): Check<ChunkOutcome<never>[]> {
  return (v, path, ctx) => {
    const a = sbTargetAnswer(v, path, ctx);
    const items: Array<{ index: number; outcome: ChunkOutcome<never>; at: string }> = [];
    (a.updateTargetSuccessResults ?? []).forEach(({ value, raw }, i) =>
      items.push({
        index: value.targetRequestIndex,
        at: `${path}.updateTargetSuccessResults[${i}]`,
        outcome: {
          id: value.targetId,
          ok: true,
          code: 'SUCCESS',
          errorType: null,
          message: null,
          retryable: false,
          raw,
        },
      }),
    );
    (a.updateTargetErrorResults ?? []).forEach(({ value, raw }, i) => {
      const code = value.code ?? 'ERROR';
      items.push({
        index: value.targetRequestIndex,
        at: `${path}.updateTargetErrorResults[${i}]`,
        outcome: {
          id: '',
          ok: false,
          code,
          errorType: null,
          message: value.details ?? value.description ?? null,
          retryable: isRetryable(code),
          raw,
        },
      });
    });
    return join(ids.length, ids, path, items);
  };
}
