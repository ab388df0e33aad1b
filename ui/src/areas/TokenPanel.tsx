// Settings → Fly API token: paste once, then only "token stored (…last4)" and Remove.
// The pasted text lives in this component's state until the backend answers, then is cleared;
// nothing the backend returns contains the token.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { TokenInfo, TokenStatus } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";

const KIND_LABEL: Record<TokenInfo["kind"], string> = {
  macaroon: "Fly macaroon token",
  user: "Fly user token",
};

export function TokenPanel({ onChange }: { onChange?: () => void }) {
  const backend = useBackend();
  const [status, setStatus] = useState<TokenStatus | null>(null);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);

  // The parent's callback may change every render; reading it through a ref keeps `run`
  // stable, so the initial load below runs once per backend, not once per parent render.
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  const run = useCallback(async (operation: () => Promise<TokenStatus>, notify: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setStatus(await operation());
      if (notify) onChangeRef.current?.();
      return true;
    } catch (thrown) {
      setError(BackendError.from(thrown));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void run(() => backend.tokenStatus(), false);
  }, [backend, run]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const stored = await run(() => backend.storeToken(draft), true);
    if (stored) setDraft("");
  };

  const remove = async () => {
    setConfirming(false);
    await run(() => backend.removeToken(), true);
  };

  const stored = status?.stored ?? null;
  const env = status?.active?.source === "environment" ? status.active : null;

  return (
    <section className="panel" aria-labelledby="token-title" data-testid="token-panel">
      <h2 id="token-title">Fly API token</h2>
      <p className="muted">
        Kept in your operating system's keyring, never on disk, in logs or in this window.
        Create one with <code>fly tokens create org</code>.
      </p>

      {env !== null && (
        <p className="notice" data-testid="token-env">
          Using {KIND_LABEL[env.kind]} …{env.last4} from <code>{env.envVar}</code> (not stored).
        </p>
      )}
      {status?.envWarning != null && (
        <p className="notice warning" data-testid="token-env-warning">
          {status.envWarning}
        </p>
      )}

      {status === null && error === null && <p className="muted">Reading the keyring…</p>}

      {stored !== null && (
        <div className="token-stored">
          <p data-testid="settings-token-state" aria-live="polite">
            Token stored (…{stored.last4}) <span className="muted">— {KIND_LABEL[stored.kind]}</span>
          </p>
          {confirming ? (
            <div className="confirm" role="group" aria-label="Confirm removal">
              <span>Remove the token from the keyring?</span>
              <button
                type="button"
                className="danger"
                data-testid="token-remove-confirm"
                disabled={busy}
                onClick={() => void remove()}
              >
                Remove
              </button>
              <button type="button" data-testid="token-remove-cancel" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" data-testid="token-remove" disabled={busy} onClick={() => setConfirming(true)}>
              Remove
            </button>
          )}
        </div>
      )}

      {status !== null && stored === null && (
        <form onSubmit={(e) => void submit(e)} className="token-form">
          <label htmlFor="token-input">Paste your Fly API token</label>
          <input
            id="token-input"
            data-testid="settings-token-input"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="FlyV1 fm2_…"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button type="submit" data-testid="settings-token-save" disabled={busy || draft.trim() === ""}>
            {busy ? "Storing…" : "Store token"}
          </button>
        </form>
      )}

      {error !== null && <ErrorNotice error={error} testId="token-error" />}
    </section>
  );
}
