// Machine: the user's Fly machine — its real state and next action, where and how big it runs
// (with the estimated cost), Start / Stop / Restart / Destroy, each provisioning step live
// with Retry from a failed one, and Fly's recent events.
import { useCallback, useEffect, useRef, useState } from "react";
import type { FlyEventView, MachineOutcome, Progress, RegionsView } from "../bindings";
import { BackendError, type StartOptions } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { availability, hasMachine, type MachineOp } from "./machine/availability";
import { DestroyDialog } from "./machine/DestroyDialog";
import { FlyEvents } from "./machine/FlyEvents";
import { MachineActions } from "./machine/MachineActions";
import { MachineStateBadge } from "./machine/MachineStateBadge";
import { ProvisionSteps } from "./machine/ProvisionSteps";
import { RegionPicker } from "./machine/RegionPicker";
import { SizePicker } from "./machine/SizePicker";
import { applyProgress, attachError, pendingRows, rowsFromRun, type StepRow } from "./machine/steps";
import { POLL_MS, useMachineStatus } from "./machine/useMachineStatus";

const EVENTS_SHOWN = 20;

export function Machine({ pollMs = POLL_MS }: { pollMs?: number }) {
  const backend = useBackend();
  const { status, error: statusError, refresh, accept } = useMachineStatus(backend, pollMs);

  const [regions, setRegions] = useState<RegionsView | null>(null);
  const [regionsError, setRegionsError] = useState<BackendError | null>(null);
  const [regionChoice, setRegionChoice] = useState<string | null>(null);
  const [sizeChoice, setSizeChoice] = useState<string | null>(null);

  const [running, setRunning] = useState<MachineOp | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [opError, setOpError] = useState<BackendError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const destroyRef = useRef<HTMLButtonElement>(null);

  // Rows of a start run in this window, fed by its progress channel; until then the rows come
  // from the core's record of the latest run.
  const [liveRows, setLiveRows] = useState<StepRow[] | null>(null);
  const rowsRef = useRef<StepRow[] | null>(null);
  const setRows = useCallback((rows: StepRow[] | null) => {
    rowsRef.current = rows;
    setLiveRows(rows);
  }, []);

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

  const perform = useCallback(
    async (op: MachineOp, work: () => Promise<MachineOutcome>, onError?: (e: BackendError) => boolean) => {
      setRunning(op);
      setMessage(null);
      setOpError(null);
      try {
        const outcome = await work();
        accept(outcome.status);
        setMessage(outcome.message);
      } catch (thrown) {
        const error = BackendError.from(thrown);
        if (!(onError?.(error) ?? false)) setOpError(error);
        await refresh();
      } finally {
        setRunning(null);
        void loadEvents();
      }
    },
    [accept, refresh, loadEvents],
  );

  const start = useCallback(
    (options: StartOptions) =>
      perform(
        "start",
        () => {
          setRows(pendingRows());
          return backend.machineStart(options, (event: Progress) => {
            setRows(applyProgress(rowsRef.current ?? pendingRows(), event));
          });
        },
        (error) => {
          // A step failed: its row shows the error and Retry. Anything else (no token, a busy
          // machine, bad input) is shown with the buttons, and the rows fall back to the record.
          const { rows, attached } = attachError(rowsRef.current ?? pendingRows(), error);
          setRows(attached ? rows : null);
          return attached;
        },
      ),
    [backend, perform, setRows],
  );

  const machine = status !== null && hasMachine(status);
  const allowed = availability(status, running !== null);
  const resume = status?.nextAction === "retry";

  const region =
    (machine ? status.region : null) ?? regionChoice ?? regions?.defaultRegion ?? "";
  const size = sizeChoice ?? (machine ? status.size : null) ?? regions?.defaultSize ?? "";
  const picked = regionChoice !== null || sizeChoice !== null;
  const resizable = machine && allowed.resize && size !== "" && size !== status.size;

  const run = (op: Exclude<MachineOp, "resize">) => {
    switch (op) {
      case "start":
        // A machine that exists keeps its region and size (Resize changes the size). A failed
        // start is resumed (the core keeps its region and size) unless the user picked another
        // region or size since, which makes the core begin a new run with them.
        return void start(machine || (resume && !picked) ? {} : { region, size });
      case "stop":
        return void perform("stop", () => backend.machineStop());
      case "restart":
        return void perform("restart", () => backend.machineRestart());
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
    void perform("destroy", () => backend.machineDestroy(true)).then(() => destroyRef.current?.focus());
  };

  const rows = liveRows ?? (status?.lastRun != null ? rowsFromRun(status.lastRun) : null);

  return (
    <section aria-labelledby="machine-title" data-testid="area-machine">
      <h1 id="machine-title">Machine</h1>

      <section className="panel" aria-labelledby="machine-state-title">
        <h2 id="machine-state-title">State</h2>
        {statusError !== null && <ErrorNotice error={statusError} testId="machine-status-error" />}
        {status === null && statusError === null && <p className="muted">Asking Fly…</p>}
        {status !== null && <MachineStateBadge status={status} />}
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
                onClick={() => void perform("resize", () => backend.machineResize(size))}
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
          onRun={run}
          destroyRef={destroyRef}
        />
        <p className="muted" role="status" data-testid="machine-message">
          {message ?? (running !== null ? "Working…" : "")}
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
            onRetry={() => void start({})}
          />
        )}
      </section>

      <FlyEvents events={events} error={eventsError} onRefresh={() => void loadEvents()} />

      {confirming && <DestroyDialog app={status?.app ?? null} onConfirm={destroy} onCancel={closeDialog} />}
    </section>
  );
}
