// Machine: the user's Fly machine — its real state, the agent's readiness and the next action,
// where and how big it runs (with the estimated cost), Start / Stop / Restart / Destroy with
// live progress and elapsed times (kept by the app while the user is elsewhere), each
// provisioning step with Retry from a failed one, "stuck" past Fly's thresholds, Fly's events.
import { useCallback, useEffect, useRef, useState } from "react";
import type { FlyEventView, RegionsView } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { availability, hasMachine, TRANSIENT, type MachineOp } from "./machine/availability";
import { CostPanel } from "./machine/CostPanel";
import { DestroyDialog } from "./machine/DestroyDialog";
import { FlyEvents } from "./machine/FlyEvents";
import { MachineActions } from "./machine/MachineActions";
import { AutoStopPanel } from "./machine/AutoStopPanel";
import { DeadManPanel } from "./machine/DeadManPanel";
import { MachineStateBadge } from "./machine/MachineStateBadge";
import { MachineOperationProvider, useMachineOperations, type MachineOperations } from "./machine/operation";
import { OperationProgress } from "./machine/OperationProgress";
import { ProvisionSteps } from "./machine/ProvisionSteps";
import { RegionPicker } from "./machine/RegionPicker";
import { SizePicker } from "./machine/SizePicker";
import { rowsFromRun } from "./machine/steps";
import { isStuck } from "./machine/stuck";
import { POLL_MS, useMachineStatus } from "./machine/useMachineStatus";
import { useNow } from "../components/useNow";

const EVENTS_SHOWN = 20;
/** How often Fly's state is read while an operation runs (its progress shows the state). */
const BUSY_POLL_MS = 2000;

/** The area; it uses the app's operation store, or its own when rendered alone. */
export function Machine({ pollMs = POLL_MS }: { pollMs?: number }) {
  const operations = useMachineOperations();
  if (operations !== null) return <MachineArea pollMs={pollMs} operations={operations} />;
  return (
    <MachineOperationProvider>
      <StandaloneMachine pollMs={pollMs} />
    </MachineOperationProvider>
  );
}

function StandaloneMachine({ pollMs }: { pollMs: number }) {
  return <MachineArea pollMs={pollMs} operations={useMachineOperations()!} />;
}

function MachineArea({ pollMs, operations }: { pollMs: number; operations: MachineOperations }) {
  const backend = useBackend();
  const { current: run, running, startRows } = operations;
  const { status, error: statusError, refresh, accept } = useMachineStatus(
    backend,
    running !== null ? Math.min(pollMs, BUSY_POLL_MS) : pollMs,
  );

  const [regions, setRegions] = useState<RegionsView | null>(null);
  const [regionsError, setRegionsError] = useState<BackendError | null>(null);
  const [regionChoice, setRegionChoice] = useState<string | null>(null);
  const [sizeChoice, setSizeChoice] = useState<string | null>(null);

  const [confirming, setConfirming] = useState(false);
  const destroyRef = useRef<HTMLButtonElement>(null);

  const [events, setEvents] = useState<FlyEventView[]>([]);
  const [eventsError, setEventsError] = useState<BackendError | null>(null);

  const loadEvents = useCallback(async () => {
    try {
      setEvents(await backend.machineEvents(EVENTS_SHOWN));
      setEventsError(null);
    } catch (thrown) {
      const error = BackendError.from(thrown);
      setEvents([]);
      // No machine simply means no events.
      setEventsError(error.code === "no_machine" ? null : error);
    }
  }, [backend]);

  useEffect(() => {
    let live = true;
    backend.regionsList().then(
      (view) => {
        if (!live) return;
        setRegions(view);
        setRegionsError(null);
      },
      (thrown: unknown) => {
        if (live) setRegionsError(BackendError.from(thrown));
      },
    );
    return () => {
      live = false;
    };
  }, [backend]);

  // Events again whenever the machine or its state changes (polls included).
  const machineKey = `${status?.machineId ?? ""}:${status?.state ?? ""}`;
  useEffect(() => {
    void loadEvents();
  }, [loadEvents, machineKey]);

  // An operation that ends while the area is shown: take the status it returned (or read it
  // after a failure) and Fly's events. One that ended while the user was elsewhere is
  // already older than the status read on opening.
  const seen = useRef<number | null>(run !== null && run.finishedAt !== null ? run.seq : null);
  useEffect(() => {
    if (run === null || run.finishedAt === null || seen.current === run.seq) return;
    seen.current = run.seq;
    if (run.status !== null) accept(run.status);
    else void refresh();
    void loadEvents();
    if (run.op === "destroy") destroyRef.current?.focus();
  }, [run, accept, refresh, loadEvents]);

  const transient = status !== null && TRANSIENT.has(status.state);
  const now = useNow(running !== null || transient);
  const stuck = status !== null && isStuck(status, now);
  const machine = status !== null && hasMachine(status);
  // Past Fly's threshold the escape hatches open even before the core's next check says so.
  const allowed = availability(status !== null && stuck ? { ...status, stuck } : status, running !== null);
  const resume = status?.nextAction === "retry";

  const region =
    (machine ? status.region : null) ?? regionChoice ?? regions?.defaultRegion ?? "";
  const size = sizeChoice ?? (machine ? status.size : null) ?? regions?.defaultSize ?? "";
  const picked = regionChoice !== null || sizeChoice !== null;
  const resizable = machine && allowed.resize && size !== "" && size !== status.size;

  const onRun = (op: Exclude<MachineOp, "resize">) => {
    switch (op) {
      case "start":
        // A machine that exists keeps its region and size (Resize changes the size). A failed
        // start is resumed (the core keeps its region and size) unless the user picked another
        // region or size since, which makes the core begin a new run with them.
        return operations.start(machine || (resume && !picked) ? {} : { region, size });
      case "stop":
        return operations.stop();
      case "restart":
        return operations.restart();
      case "destroy":
        return setConfirming(true);
    }
  };

  const closeDialog = () => {
    setConfirming(false);
    destroyRef.current?.focus();
  };

  const destroy = () => {
    setConfirming(false);
    operations.destroy();
  };

  const rows = startRows ?? (status?.lastRun != null ? rowsFromRun(status.lastRun) : null);
  const opError = run !== null && run.finishedAt !== null ? run.error : null;

  return (
    <section aria-labelledby="machine-title" data-testid="area-machine">
      <h1 id="machine-title">Machine</h1>

      <section className="panel" aria-labelledby="machine-state-title">
        <h2 id="machine-state-title">State</h2>
        {statusError !== null && <ErrorNotice error={statusError} testId="machine-status-error" />}
        {status === null && statusError === null && <p className="muted">Asking Fly…</p>}
        {status !== null && <MachineStateBadge status={status} now={now} />}
      </section>

      <section className="panel" aria-labelledby="machine-placement-title">
        <h2 id="machine-placement-title">Region and size</h2>
        {regionsError !== null && <ErrorNotice error={regionsError} testId="machine-regions-error" />}
        {regions === null && regionsError === null && <p className="muted">Reading regions…</p>}
        {regions !== null && (
          <div className="placement">
            <RegionPicker
              regions={regions}
              value={region}
              onChange={setRegionChoice}
              locked={
                machine
                  ? "A machine cannot move region on Fly: Destroy it, then Start in another region."
                  : running !== null
                    ? "Wait for the current operation."
                    : null
              }
            />
            <SizePicker
              sizes={regions.sizes}
              value={size}
              onChange={setSizeChoice}
              pricedFor={regions.defaultRegion}
              disabled={running !== null}
            />
            {machine && (
              <button
                type="button"
                data-testid="machine-resize"
                disabled={!resizable}
                aria-busy={running === "resize"}
                onClick={() => operations.resize(size)}
              >
                {running === "resize" ? "Resizing…" : `Resize to ${size}`}
              </button>
            )}
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="machine-ops-title">
        <h2 id="machine-ops-title">Operations</h2>
        <MachineActions
          allowed={allowed}
          running={running}
          startLabel={resume ? "Retry" : "Start"}
          onRun={onRun}
          destroyRef={destroyRef}
        />
        {run !== null && (
          <OperationProgress run={run} rows={startRows} flyState={status?.state ?? null} now={now} />
        )}
        <p className="muted machine-message" role="status" data-testid="machine-message">
          {run !== null && run.finishedAt !== null ? (run.message ?? "") : ""}
        </p>
        {opError !== null && <ErrorNotice error={opError} testId="machine-error" />}
      </section>

      <section className="panel" aria-labelledby="machine-steps-title">
        <h2 id="machine-steps-title">Provisioning</h2>
        {rows === null ? (
          <p className="muted">Start shows each step here as it happens.</p>
        ) : (
          <ProvisionSteps
            rows={rows}
            live={running === "start"}
            canRetry={running === null}
            onRetry={() => operations.start({})}
            now={now}
          />
        )}
      </section>

      <CostPanel />
      <AutoStopPanel />
      <DeadManPanel />

      <FlyEvents events={events} error={eventsError} onRefresh={() => void loadEvents()} />

      {confirming && <DestroyDialog app={status?.app ?? null} onConfirm={destroy} onCancel={closeDialog} />}
    </section>
  );
}
