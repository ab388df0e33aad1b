// What the Dashboard shows without metrics: why (no machine, stopped, no link yet) and what to do.
import { useEffect, useState } from "react";
import type { LinkView, MachineStatus } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { useNavigate } from "../../components/navigation";

function explain(machine: MachineStatus | null, failure: BackendError | null, link: LinkView | null): [string, string] {
  if (failure?.code === "no_token") {
    return ["No Fly token yet", "Add your Fly API token in Settings and start your machine here, in the cloud. Or screen on this computer now: Signals → Local screening needs no token."];
  }
  if (failure !== null) {
    return ["Fly did not answer", `${failure.message}. The dashboard fills in once the machine's state is known.`];
  }
  if (machine !== null && (machine.state === "none" || machine.state === "destroyed")) {
    return ["No machine yet", "Open Machine and press Start: TradeMind creates your screener machine on Fly and connects to it. Charts appear here within seconds."];
  }
  if (machine !== null && machine.state !== "started") {
    return ["Your machine is not running", `It is ${machine.state.replace(/_/g, " ")}. Open Machine and press Start; the charts continue from where they stopped.`];
  }
  if (machine !== null && link !== null && link.state.state !== "live") {
    return ["Waiting for the link", "The machine runs but the app is not connected to its agent yet. It keeps trying; use Reconnect in the navigation to try now."];
  }
  return ["No metrics yet", "The agent sends its health every few seconds once it runs. If nothing arrives, check the machine on the Machine page."];
}

export function EmptyState({ link }: { link: LinkView | null }) {
  const backend = useBackend();
  const navigate = useNavigate();
  const [machine, setMachine] = useState<MachineStatus | null>(null);
  const [failure, setFailure] = useState<BackendError | null>(null);

  const linkState = link?.state.state ?? null;
  useEffect(() => {
    let live = true;
    backend.machineStatus().then(
      (status) => {
        if (!live) return;
        setMachine(status);
        setFailure(null);
      },
      (e: unknown) => {
        if (live) setFailure(BackendError.from(e));
      },
    );
    return () => {
      live = false;
    };
  }, [backend, linkState]);

  const [title, text] = explain(machine, failure, link);
  const target = failure?.code === "no_token" ? "settings" : "machine";
  return (
    <section className="panel empty-state" aria-labelledby="dashboard-empty-title" data-testid="dashboard-empty">
      <div className="empty-icon" aria-hidden="true">
        <svg viewBox="0 0 48 48" width="48" height="48">
          <path d="M6 38h36M10 32l8-10 7 6 9-14 6 8" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </div>
      <h2 id="dashboard-empty-title">{title}</h2>
      <p className="muted">{text}</p>
      {navigate !== null && (
        <button type="button" className="primary empty-action" data-testid={`dashboard-open-${target}`} onClick={() => navigate(target)}>
          {target === "settings" ? "Open Settings" : "Open Machine"}
        </button>
      )}
    </section>
  );
}
