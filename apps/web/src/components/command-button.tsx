import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A button that sends a command (POST/PUT) and then reloads; while it runs it is disabled, and the API's refusal
 * (409 explained, 503 timeout, …) is shown beside it.
 */
export function CommandButton({
  run,
  done,
  children,
  variant,
  label,
}: {
  run: () => Promise<unknown>;
  done: () => void;
  children: ComponentChildren;
  variant?: 'secondary' | 'danger';
  /** accessible name when it differs from the text */
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const click = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      done();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={variant} disabled={busy} onClick={click} aria-label={label}>
        {children}
      </button>
      {error ? (
        <span class="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}
