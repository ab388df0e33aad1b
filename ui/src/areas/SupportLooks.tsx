// The owner's view of support's recent looks: the audit log's `support.access` entries — what
// support's viewer token read on the agent (imported from the agent every 5 minutes) and when
// the viewer token was shared or replaced here — newest first.
import { useCallback, useEffect, useState } from "react";
import type { AuditEvent } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { localTime } from "./machine/format";

const SHOWN = 10;

/** What a `support.access` entry says, for people. */
export function lookText(event: AuditEvent): string {
  const details = (event.details ?? {}) as Record<string, unknown>;
  const what = typeof details["what"] === "string" ? details["what"] : "a look";
  if (details["via"] === "agent") return `Support's viewer token: ${what} (seen by the agent)`;
  if (event.actor === "support") return `Support: ${what}`;
  return `You: ${what}`;
}

export function SupportLooks({ refreshKey }: { refreshKey: number }) {
  const backend = useBackend();
  const [looks, setLooks] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<BackendError | null>(null);

  const load = useCallback(() => {
    let live = true;
    backend.live.events({ kind: "support.access", actor: null, text: null, beforeId: null, limit: SHOWN }).then(
      (events) => {
        if (!live) return;
        setLooks(events);
        setError(null);
      },
      (thrown: unknown) => live && setError(BackendError.from(thrown)),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  useEffect(() => load(), [load, refreshKey]);

  return (
    <section className="panel" aria-labelledby="support-looks-title" data-testid="support-looks">
      <h2 id="support-looks-title">Support's recent looks</h2>
      {looks === null && error === null && <p className="muted">Reading the audit log…</p>}
      {looks !== null && looks.length === 0 && (
        <p className="muted" data-testid="support-looks-empty">
          None recorded: support has not used your viewer token, and you have not shared it.
        </p>
      )}
      {looks !== null && looks.length > 0 && (
        <ol className="support-looks" aria-label="Support's looks, newest first">
          {looks.map((event) => (
            <li key={event.id} data-testid="support-look" data-actor={event.actor}>
              <time dateTime={event.at}>{localTime(event.at)}</time> {lookText(event)}
            </li>
          ))}
        </ol>
      )}
      {error !== null && <ErrorNotice error={error} testId="support-looks-error" />}
      <p className="muted">All of them, and everything else, are in Events.</p>
    </section>
  );
}
