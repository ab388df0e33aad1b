// Fly's view of the machine: its state, config and events.
import type { MachineInspection } from "../../bindings";
import { localTime } from "../machine/format";
import { FlyEventsTable } from "./FlyEventsTable";
import { MachineConfig } from "./MachineConfig";

export function MachinePanel({ machine }: { machine: MachineInspection | null }) {
  return (
    <section className="panel" aria-labelledby="support-machine-title" data-testid="support-machine">
      <h2 id="support-machine-title">Machine</h2>
      {machine === null ? (
        <p className="muted" data-testid="support-no-machine">
          The app has no agent machine (never started, or destroyed).
        </p>
      ) : (
        <>
          <p className="machine-state-line">
            <code>{machine.id}</code> {machine.name} in {machine.region}:{" "}
            <strong data-testid="support-machine-state" data-state={machine.state}>
              {machine.state}
            </strong>
            {machine.updatedAt !== null && <span className="muted">updated {localTime(machine.updatedAt)}</span>}
          </p>
          {machine.config === null ? <p className="muted">Fly returned no config.</p> : <MachineConfig config={machine.config} />}
          <h3>Fly events</h3>
          <FlyEventsTable events={machine.events} />
        </>
      )}
    </section>
  );
}
