// Support's two credentials: a read-only Fly token and the agent's viewer token. Each is pasted,
// saved to the OS keyring and then only described (`…abcd (keyring)`); the input is cleared.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { CredentialInfo, SupportAccess, SupportCredential } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";

const LABELS: Record<SupportCredential, { title: string; note: string }> = {
  fly: { title: "Read-only Fly token", note: "The user creates it with `fly tokens create readonly`." },
  viewer: { title: "Agent viewer token", note: "The user prints it with `trademind machine viewer-token`." },
};

export function describeCredential(info: CredentialInfo | null): string {
  return info === null ? "not set" : `${info.last4} (${info.source})`;
}

export function CredentialsPanel({ onChange }: { onChange: () => void }) {
  const backend = useBackend();
  const [access, setAccess] = useState<SupportAccess | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    backend.support.access().then(
      (a) => live && setAccess(a),
      (thrown: unknown) => live && setError(BackendError.from(thrown)),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  const run = useCallback(
    async (operation: () => Promise<SupportAccess>): Promise<boolean> => {
      setBusy(true);
      try {
        setAccess(await operation());
        setError(null);
        onChange();
        return true;
      } catch (thrown) {
        setError(BackendError.from(thrown));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [onChange],
  );

  const save = (credential: SupportCredential, token: string) => run(() => backend.support.login(credential, token));
  const anySet = access !== null && (access.flyToken !== null || access.viewerToken !== null);

  return (
    <section className="panel" aria-labelledby="support-credentials-title" data-testid="support-credentials">
      <h2 id="support-credentials-title">Credentials</h2>
      <div className="support-credentials">
        <CredentialForm credential="fly" info={access?.flyToken ?? null} busy={busy} onSave={save} />
        <CredentialForm credential="viewer" info={access?.viewerToken ?? null} busy={busy} onSave={save} />
      </div>
      <button type="button" data-testid="support-forget" disabled={busy || !anySet} onClick={() => void run(() => backend.support.logout(null))}>
        Forget both tokens
      </button>
      {error !== null && <ErrorNotice error={error} testId="support-credentials-error" />}
    </section>
  );
}

function CredentialForm({
  credential,
  info,
  busy,
  onSave,
}: {
  credential: SupportCredential;
  info: CredentialInfo | null;
  busy: boolean;
  onSave: (credential: SupportCredential, token: string) => Promise<boolean>;
}) {
  const [token, setToken] = useState("");
  const inputId = `support-${credential}-token`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // Cleared whatever the answer: a token never stays on screen (or in this component).
    const value = token;
    setToken("");
    await onSave(credential, value);
  };
  return (
    <form className="token-form" onSubmit={(e) => void submit(e)} aria-label={LABELS[credential].title}>
      <label htmlFor={inputId}>{LABELS[credential].title}</label>
      <input
        id={inputId}
        type="password"
        autoComplete="off"
        spellCheck={false}
        data-testid={`support-${credential}-token-input`}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        placeholder={info === null ? "Paste the token" : "Paste a new token to replace it"}
      />
      <button type="submit" data-testid={`support-save-${credential}`} disabled={busy || token === ""}>
        Save
      </button>
      <p className="muted field-note">
        <span data-testid={`support-${credential}-token-state`}>{describeCredential(info)}</span> · {LABELS[credential].note}
      </p>
    </form>
  );
}
