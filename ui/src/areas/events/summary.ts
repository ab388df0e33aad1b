// An audit event's details in one readable sentence (the raw JSON stays one click away).
import type { AuditEvent } from "../../bindings";
import type { JsonValue } from "../../bindings/serde_json/JsonValue";

type Details = { [key: string]: JsonValue | undefined };

const ACTORS: Record<string, string> = { gui: "Desktop app", cli: "Command line", fly: "Fly.io" };

export function actorLabel(actor: string): string {
  return ACTORS[actor] ?? actor;
}

function asObject(value: JsonValue): Details | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Details) : null;
}

function text(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const object = asObject(value);
  if (object !== null) {
    if (typeof object.message === "string") return object.message;
    if (object.from !== undefined && object.to !== undefined) return `${text(object.from)} → ${text(object.to)}`;
  }
  return JSON.stringify(value);
}

/** `sizeGb` → `size gb`, `runId` → `run id`. */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
}

/** Every field as `key value`, for kinds without their own sentence. */
function fields(details: Details): string {
  return Object.entries(details)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${words(k)}: ${text(v)}`)
    .join(" · ");
}

function sentence(kind: string, d: Details): string | null {
  switch (kind) {
    case "token.stored":
      return `Stored a Fly ${text(d.tokenKind) || ""} token ending …${text(d.last4)}`.replace("  ", " ");
    case "token.removed":
      return "Removed the Fly token from the keyring";
    case "provision.step": {
      const step = text(d.step);
      if (d.error !== undefined) return `Step “${step}” failed: ${text(d.error)}`;
      const line = text(d.line);
      return `Step “${step}” ${text(d.state) || "ran"}${line === "" ? "" : ` — ${line}`}`;
    }
    case "machine.start":
      return d.via === "create"
        ? `Created and started the machine in ${text(d.region)}, size ${text(d.size)}`
        : "Started the machine";
    case "machine.stop":
      return d.from === undefined ? "Stopped the machine" : `Stopped the machine (it was ${text(d.from)})`;
    case "machine.restart":
      return d.reason === undefined ? "Restarted the machine" : `Restarted the machine: ${text(d.reason)}`;
    case "machine.update":
      return d.size === undefined ? `Updated the machine: ${fields(d)}` : `Resized the machine: ${text(d.size)}`;
    case "machine.destroy":
      return d.reason === undefined ? "Destroyed the machine" : `Destroyed a machine: ${text(d.reason)}`;
    case "machine.error":
      return `${text(d.operation) || "An operation"} failed: ${text(d.error)}`;
    case "machine.drift":
      return `Found a change made outside TradeMind: ${text(d.drift)}`;
    case "volume.create":
      return `Created data volume ${text(d.volume)} in ${text(d.region)}`;
    case "volume.delete":
      return `Deleted data volume ${text(d.volume)}${d.reason === undefined ? "" : `: ${text(d.reason)}`}`;
    case "link.connected":
      return `Connected to the agent${d.role === undefined ? "" : ` as ${text(d.role)}`}`;
    case "link.reconnecting":
      return `Connection attempt ${text(d.attempt)} failed: ${text(d.error)}`;
    case "link.circuit_open":
      return `Stopped retrying for a while after repeated failures: ${text(d.error)}`;
  }
  if (kind.startsWith("fly.")) {
    const parts = [`Fly reported ${kind.slice(4)}${d.status === undefined ? "" : ` → ${text(d.status)}`}`];
    if (d.source !== undefined) parts.push(`by ${text(d.source)}`);
    if (d.exitCode !== undefined && d.exitCode !== null) parts.push(`exit code ${text(d.exitCode)}`);
    if (d.oomKilled === true) parts.push("out of memory");
    if (d.restartCount !== undefined && d.restartCount !== null) parts.push(`restart #${text(d.restartCount)}`);
    return parts.join(", ");
  }
  return null;
}

export function summarize(event: AuditEvent): string {
  const details = asObject(event.details);
  if (details === null) return event.details === null ? "" : text(event.details);
  return sentence(event.kind, details) ?? fields(details);
}
