// The machine's config as Fly holds it: image, guest, services, checks, restart policy, mounts,
// environment variable NAMES (never values) and metadata.
import type { MachineConfigView } from "../../bindings";

export function MachineConfig({ config }: { config: MachineConfigView }) {
  const guest = [config.cpus !== null ? `${config.cpus} × ${config.cpuKind ?? "cpu"}` : null, config.memoryMb !== null ? `${config.memoryMb} MB` : null]
    .filter((part) => part !== null)
    .join(", ");
  return (
    <dl className="facts" data-testid="support-machine-config">
      <dt>Image</dt>
      <dd>
        <code>{config.image}</code>
      </dd>
      <dt>Guest</dt>
      <dd>{guest || "—"}</dd>
      <dt>Services</dt>
      <dd>
        {config.services.length === 0
          ? "none"
          : config.services.map((s) => `${s.protocol}:${s.internalPort} ← ${s.ports.join(", ")}${s.autostop !== null ? ` (autostop ${s.autostop})` : ""}`).join("; ")}
      </dd>
      <dt>Checks</dt>
      <dd>
        {config.checks.length === 0 ? (
          "none"
        ) : (
          <ul className="plain-list" data-testid="support-checks">
            {config.checks.map((c) => (
              <li key={c.name} data-status={c.status ?? "unknown"}>
                {c.name} ({[c.kind, c.path, c.interval].filter((x) => x !== null).join(" ")}): <strong>{c.status ?? "no result"}</strong>
                {c.output !== null && <span className="muted"> — {c.output}</span>}
              </li>
            ))}
          </ul>
        )}
      </dd>
      <dt>Restart</dt>
      <dd>{config.restart ?? "default"}</dd>
      <dt>Mounts</dt>
      <dd>{config.mounts.length === 0 ? "none" : config.mounts.join("; ")}</dd>
      <dt>Env names</dt>
      <dd data-testid="support-env-names">{config.envNames.length === 0 ? "none" : config.envNames.join(", ")}</dd>
      <dt>Metadata</dt>
      <dd>{config.metadata.length === 0 ? "none" : config.metadata.map((m) => `${m.key}=${m.value}`).join(", ")}</dd>
    </dl>
  );
}
