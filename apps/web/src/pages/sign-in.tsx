import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { useSession } from '../session';

/** A key of any scope; kept in sessionStorage only. Where to go after: `next` (a path of this app only). */
export default function SignIn() {
  const { session, signIn } = useSession();
  const { query, route } = useLocation();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const next = query['next']?.startsWith('/') && !query['next'].startsWith('//') ? query['next'] : '/';

  useEffect(() => {
    document.title = 'Sign in · ams-sentinel';
  }, []);
  useEffect(() => {
    if (session) route(next === '/sign-in' ? '/' : next, true);
  }, [session]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(key.trim());
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 401 || err.status === 403)
          ? `This key was refused: ${err.message}`
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="sign-in">
      <h1>Sign in</h1>
      <p class="muted">
        The key stays in this tab (sessionStorage) and is sent only as <code>Authorization: Bearer</code>.
      </p>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
        />
        {error ? (
          <p id="sign-in-error" class="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy || !key.trim()}>
          Sign in
        </button>
      </form>
    </section>
  );
}
