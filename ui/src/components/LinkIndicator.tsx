// The live link's state in the navigation: a dot, a few words (with a reconnect countdown),
// the last error as a tooltip, and Reconnect whenever the link is not live.
import { useState } from "react";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { linkError, linkLabel, linkTone } from "./linkText";
import { useLinkView } from "./useLinkView";
import { useNow } from "./useNow";

export function LinkIndicator() {
  const backend = useBackend();
  const { view, receivedAt, error: watchError } = useLinkView(backend);
  const now = useNow(view?.state.state === "reconnecting");
  const [busy, setBusy] = useState(false);
  const [reconnectError, setReconnectError] = useState<BackendError | null>(null);

  const reconnect = async () => {
    setBusy(true);
    setReconnectError(null);
    try {
      await backend.live.reconnect();
    } catch (thrown) {
      setReconnectError(BackendError.from(thrown));
    } finally {
      setBusy(false);
    }
  };

  const state = view?.state ?? null;
  const tone = state === null ? (watchError === null ? "off" : "bad") : linkTone(state);
  const label =
    state === null ? (watchError === null ? "Link…" : "Link unavailable") : linkLabel(state, receivedAt, now);
  const error = reconnectError ?? watchError ?? (state === null ? null : linkError(state));
  const title = error === null ? undefined : error.hint === null ? error.message : `${error.message}\n${error.hint}`;

  return (
    <div className={`link link-${tone}`}>
      <p
        className="link-state"
        role="status"
        aria-live="polite"
        data-testid="link-state"
        data-state={state?.state ?? "unknown"}
        title={title}
      >
        <span className="link-dot" aria-hidden="true" />
        <span data-testid="link-state-label">{label}</span>
      </p>
      {error !== null && (
        <p className="link-error" data-testid="link-error">
          {error.message}
        </p>
      )}
      {state !== null && state.state !== "live" && (
        <button
          type="button"
          className="link-reconnect"
          data-testid="link-reconnect"
          disabled={busy || state.state === "connecting"}
          aria-busy={busy}
          onClick={() => void reconnect()}
        >
          {busy ? "Reconnecting…" : "Reconnect"}
        </button>
      )}
    </div>
  );
}
