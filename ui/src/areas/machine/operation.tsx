// The machine operation running now (or last), kept above the areas so that leaving Machine
// and coming back shows a start still progressing, its steps, its outcome or its error — and
// never offers Start twice. The app shell mounts `MachineOperationProvider` once.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import type { MachineOutcome, MachineStatus, Progress } from "../../bindings";
import { BackendError, type StartOptions } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import type { MachineOp } from "./availability";
import { applyProgress, attachError, pendingRows, type StepRow } from "./steps";

/** One operation: what it is, when it ran, and how it ended. */
export interface OperationRun {
  /** Increases with every operation. */
  seq: number;
  op: MachineOp;
  /** What Fly should report when it is done (`size normal` for a resize). */
  target: string;
  startedAt: number;
  finishedAt: number | null;
  /** The outcome's message. */
  message: string | null;
  /** A failure not tied to a step (a step's failure is on its row). */
  error: BackendError | null;
  /** The machine as the operation left it. */
  status: MachineStatus | null;
}

export interface MachineOperations {
  /** The running operation, else the last one (null before the first). */
  current: OperationRun | null;
  running: MachineOp | null;
  /** The rows of the latest start in this app run, fed by its progress channel. */
  startRows: StepRow[] | null;
  start: (options: StartOptions) => void;
  stop: () => void;
  restart: () => void;
  resize: (size: string) => void;
  /** Only after the confirmation dialog. */
  destroy: () => void;
}

const TARGET: Record<Exclude<MachineOp, "resize">, string> = {
  start: "started",
  stop: "stopped",
  restart: "started",
  destroy: "destroyed",
};

const OperationsContext = createContext<MachineOperations | null>(null);

export function MachineOperationProvider({ children }: { children: ReactNode }) {
  const backend = useBackend();
  const [current, setCurrent] = useState<OperationRun | null>(null);
  const [startRows, setStartRowsState] = useState<StepRow[] | null>(null);
  const rowsRef = useRef<StepRow[] | null>(null);
  const busy = useRef(false);
  const seq = useRef(0);

  const setRows = useCallback((rows: StepRow[] | null) => {
    rowsRef.current = rows;
    setStartRowsState(rows);
  }, []);

  const perform = useCallback(
    async (
      op: MachineOp,
      target: string,
      work: () => Promise<MachineOutcome>,
      /** True when the error is shown elsewhere (on a step's row). */
      placed?: (error: BackendError) => boolean,
    ) => {
      if (busy.current) return;
      busy.current = true;
      const run: OperationRun = {
        seq: ++seq.current,
        op,
        target,
        startedAt: Date.now(),
        finishedAt: null,
        message: null,
        error: null,
        status: null,
      };
      setCurrent(run);
      try {
        const outcome = await work();
        setCurrent({ ...run, finishedAt: Date.now(), message: outcome.message, status: outcome.status });
      } catch (thrown) {
        const error = BackendError.from(thrown);
        const onRow = placed?.(error) ?? false;
        setCurrent({ ...run, finishedAt: Date.now(), error: onRow ? null : error });
      } finally {
        busy.current = false;
      }
    },
    [],
  );

  const start = useCallback(
    (options: StartOptions) =>
      void perform(
        "start",
        TARGET.start,
        () => {
          setRows(pendingRows());
          return backend.machineStart(options, (event: Progress) => {
            setRows(applyProgress(rowsRef.current ?? pendingRows(), event, Date.now()));
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

  const value = useMemo<MachineOperations>(
    () => ({
      current,
      running: current !== null && current.finishedAt === null ? current.op : null,
      startRows,
      start,
      stop: () => void perform("stop", TARGET.stop, () => backend.machineStop()),
      restart: () => void perform("restart", TARGET.restart, () => backend.machineRestart()),
      resize: (size: string) => void perform("resize", `size ${size}`, () => backend.machineResize(size)),
      destroy: () => void perform("destroy", TARGET.destroy, () => backend.machineDestroy(true)),
    }),
    [backend, current, perform, start, startRows],
  );

  return <OperationsContext.Provider value={value}>{children}</OperationsContext.Provider>;
}

/** The app's machine operations; null outside a `MachineOperationProvider`. */
export function useMachineOperations(): MachineOperations | null {
  return useContext(OperationsContext);
}
