// The cloud runs another version of the trader: keep this computer's (deploy it) or the cloud's.
import type { ConflictChoice, TraderConflict } from "../../bindings";

export function ConflictBanner({
  id,
  conflict,
  busy,
  onChoose,
}: {
  id: string;
  conflict: TraderConflict;
  busy: boolean;
  onChoose: (choice: ConflictChoice) => void;
}) {
  const mine = Math.max(conflict.localVersion, conflict.cloudVersion) + 1;
  return (
    <div className="conflict" role="alert" data-testid={`trader-conflict-${id}`}>
      <p className="conflict-title">
        <strong>Version conflict:</strong> this computer has v{conflict.localVersion}, the cloud runs v
        {conflict.cloudVersion}.
      </p>
      <p className="muted">{conflict.message}</p>
      <div className="conflict-actions">
        <button
          type="button"
          className="primary"
          data-testid={`trader-conflict-mine-${id}`}
          disabled={busy}
          onClick={() => onChoose("mine")}
        >
          Keep mine (deploy v{mine})
        </button>
        <button type="button" data-testid={`trader-conflict-cloud-${id}`} disabled={busy} onClick={() => onChoose("cloud")}>
          Keep the cloud's (v{conflict.cloudVersion})
        </button>
      </div>
    </div>
  );
}
