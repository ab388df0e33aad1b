// One audit event: when (local time), who, what, a readable summary and the raw details.
import { useState } from "react";
import type { AuditEvent } from "../../bindings";
import { localTime } from "../machine/format";
import { actorLabel, summarize } from "./summary";

export function EventRow({ event }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const family = event.kind.split(".")[0] ?? "";
  const summary = summarize(event);
  const id = `event-${event.id}-raw`;
  return (
    <li className="event-row" data-testid={`event-row-${event.id}`} data-kind={event.kind} data-actor={event.actor}>
      <div className="event-main">
        <time className="event-time" dateTime={event.at}>
          {localTime(event.at)}
        </time>
        <span className={`event-kind event-family-${family}`}>{event.kind}</span>
        <span className="event-actor">{actorLabel(event.actor)}</span>
        <span className="event-summary" data-testid={`event-row-${event.id}-summary`}>
          {summary === "" ? <span className="muted">No details</span> : summary}
          {event.machineId !== null && <span className="muted"> · machine {event.machineId}</span>}
        </span>
        <button
          type="button"
          className="link-button"
          aria-expanded={open}
          aria-controls={id}
          data-testid={`event-row-${event.id}-toggle`}
          onClick={() => setOpen(!open)}
        >
          {open ? "Hide details" : "Details"}
        </button>
      </div>
      {open && (
        <pre id={id} className="event-raw" data-testid={`event-row-${event.id}-raw`}>
          {JSON.stringify(event.details, null, 2)}
        </pre>
      )}
    </li>
  );
}
