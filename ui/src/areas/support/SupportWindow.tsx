// The support window (`trademind --support`): read-only, no owner navigation and no owner
// command — support's credentials, finding a user's machine and inspecting it.
import { useState } from "react";
import type { InspectTarget } from "../../bindings";
import { useBackend } from "../../backend/context";
import { CredentialsPanel } from "./CredentialsPanel";
import { FindPanel, targetKey } from "./FindPanel";
import { TargetView } from "./TargetView";

export function SupportWindow() {
  const backend = useBackend();
  const [target, setTarget] = useState<InspectTarget | null>(null);
  // Bumped when a credential changes: the target's view starts over with the new access.
  const [access, setAccess] = useState(0);

  return (
    <div className="support-window" data-testid="support-window">
      <header className="support-banner" data-testid="support-mode-banner" role="note">
        <img src="/icon.png" alt="" width={24} height={24} />
        <strong>Support mode — read-only. Every change is refused.</strong>
        {backend.kind === "mock" && (
          <span className="mock-banner" data-testid="mock-banner">
            Browser preview: in-memory backend, nothing is stored.
          </span>
        )}
      </header>
      <main className="content support-content">
        <h1>TradeMind Support</h1>
        <CredentialsPanel onChange={() => setAccess((n) => n + 1)} />
        <FindPanel selected={target} onPick={setTarget} />
        {target !== null && <TargetView key={`${targetKey(target)}#${access}`} target={target} />}
      </main>
    </div>
  );
}
