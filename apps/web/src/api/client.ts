import { clearKey, storedKey } from './session';

/** A field the API named in a 400 (`{ code: 'VALIDATION', errors: [{ field, reason }] }`). */
export interface FieldError {
  field: string;
  reason: string;
}

/** An answer other than 2xx: the API's code and message (never a stack), and the fields a 400 named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when the API refuses the stored key (401, revoked): the app signs out. */
export function onUnauthorized(l: Listener): () => void {
  unauthorizedListeners.add(l);
  return () => unauthorizedListeners.delete(l);
}

/** Query string of the defined values, in the given order. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : '';
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's page): the status says it
  }
  const fields = Array.isArray(body['errors']) ? (body['errors'] as FieldError[]) : [];
  const raw = body['message'];
  const message = Array.isArray(raw)
    ? raw.join('; ')
    : typeof raw === 'string'
      ? raw
      : fields.length
        ? fields.map((f) => f.reason).join('; ')
        : `${res.status} ${res.statusText || 'error'}`;
  const errorId = typeof body['errorId'] === 'string' ? ` (error id ${body['errorId']})` : '';
  return new ApiError(res.status, typeof body['code'] === 'string' ? body['code'] : 'HTTP', message + errorId, fields);
}

/**
 * A request to the API with the stored key as `Authorization: Bearer`. JSON in and out; a non-2xx answer throws
 * ApiError with the API's message. A 401 or 403 KEY_REVOKED forgets the key and tells the app to sign in again.
 */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; key?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const key = init.key ?? storedKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  if (!res.ok) {
    const err = await errorOf(res);
    if (init.key === undefined && (res.status === 401 || err.code === 'KEY_REVOKED')) {
      clearKey();
      unauthorizedListeners.forEach((l) => l());
    }
    throw err;
  }
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** Every page of a cursor listing (`nextCursor`), up to `maxPages`. */
export async function allPages<T>(
  path: string,
  params: Record<string, string | number | undefined>,
  maxPages = 20,
  signal?: AbortSignal,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await api<{ data: T[]; nextCursor: string | null }>(`${path}${qs({ ...params, cursor })}`, {
      signal,
    });
    out.push(...page.data);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}
