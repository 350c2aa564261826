import type { ComponentChildren } from 'preact';
import type { Resource } from '../lib/use-resource';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

/** The API's message (its code beside it), never a stack. */
export function ErrorMessage({ error }: { error: Error }) {
  const code = (error as { code?: string }).code;
  return (
    <p class="state error" role="alert">
      {error.message}
      {code && code !== 'HTTP' ? <span class="muted"> ({code})</span> : null}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

/** Loading, error or the content of a resource; an error after data keeps the data and says the refresh failed. */
export function Loaded<T>({ r, children }: { r: Resource<T>; children: (data: T) => ComponentChildren }) {
  if (r.data === undefined) {
    if (r.error) return <ErrorMessage error={r.error} />;
    return <Loading />;
  }
  return (
    <>
      {r.error ? <ErrorMessage error={r.error} /> : null}
      {children(r.data)}
    </>
  );
}
