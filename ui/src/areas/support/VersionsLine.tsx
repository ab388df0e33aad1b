// The versions on both sides: this app, the agent, their protocols and the machine's image.
import type { Versions } from "../../bindings";

export function VersionsLine({ versions }: { versions: Versions }) {
  const agent = versions.agent === null ? "agent unknown" : `agent ${versions.agent} (protocol ${versions.agentProtocol ?? "?"})`;
  return (
    <p className="support-versions muted" data-testid="support-versions">
      app {versions.app} (protocol {versions.appProtocol}) · {agent} · image <code>{versions.image ?? "unknown"}</code>
    </p>
  );
}
