// An in-memory Fly machine for MockBackend: provisioning steps in order over a short timer
// (with elapsed times and log lines), resume from a failed step, Fly-like state transitions
// (stopped → starting → started, stopping, destroyed) and destroy only when confirmed. It
// follows src-tauri/src/machine (provision.rs, status.rs, lifecycle.rs) closely enough that
// the UI cannot tell, and records which steps actually ran so tests can check resumes.
import { TRANSIENT } from "../areas/machine/availability";
import { stuckThresholdMs } from "../areas/machine/stuck";
import type {
  ApiError,
  FlyEventView,
  MachineOutcome,
  MachineStatus,
  NextAction,
  Progress,
  RegionChoice,
  RegionsView,
  SizeChoice,
  Step,
  StepState,
} from "../bindings";
import { BackendError, type StartOptions } from "./backend";

export const STEPS: readonly Step[] = ["token", "app", "secrets", "volume", "machine", "started", "ready", "done"];

const TITLES: Record<Step, string> = {
  token: "Checking the Fly token",
  app: "Preparing your Fly app",
  secrets: "Setting the agent's secrets",
  volume: "Preparing the data volume",
  machine: "Creating the machine",
  started: "Waiting for Fly to start it",
  ready: "Waiting for the screener agent",
  done: "Ready",
};

export type MockFlyState = "none" | "created" | "starting" | "started" | "stopping" | "stopped" | "destroying" | "destroyed";

/** An operation of the mock machine that `failNext` can make fail. */
export type MachineOperation = "status" | "start" | "stop" | "restart" | "resize" | "destroy" | "events" | "regions";

export interface MockMachineOptions {
  /** How long each provisioning step and each stop/restart/resize/destroy takes (default 400 ms). */
  stepMs?: number;
  /** Provisioning fails at this step, `times` times (default once), with `error` (default: a Fly error). */
  failAt?: { step: Step; error?: ApiError; times?: number };
  /** A machine that exists already in this state (default: no machine). */
  initial?: "none" | "stopped" | "started" | "starting" | "stopping";
  /** Transient states count as stuck at once (else only past Fly's thresholds, as in the core). */
  stuck?: boolean;
}

interface MockStep {
  state: StepState;
  error: ApiError | null;
  firstStartMs: number | null;
  finishedMs: number | null;
}

interface MockRun {
  id: number;
  status: StepState;
  startedAt: string;
  region: string;
  size: string;
  steps: Record<Step, MockStep>;
}

const REGIONS: RegionChoice[] = [
  ["ams", "Amsterdam, NL", true],
  ["cdg", "Paris, FR", true],
  ["fra", "Frankfurt, DE", true],
  ["iad", "Ashburn, Virginia, US", false],
  ["lhr", "London, UK", true],
  ["nrt", "Tokyo, JP", true],
  ["ord", "Chicago, US", false],
  ["sin", "Singapore", true],
  ["sjc", "San Jose, US", false],
].map(([code, name, binance]) => ({
  code: code as string,
  name: name as string,
  binance: binance as boolean,
  requiresPaidPlan: false,
}));

const SECONDS_PER_MONTH = 2_592_000;

function priced(
  name: string,
  label: string,
  cpuKind: string,
  cpus: number,
  memoryMb: number,
  usdPerMonth: number,
  publishedPrice: boolean,
): SizeChoice {
  const perSecond = usdPerMonth / SECONDS_PER_MONTH;
  return {
    name,
    label,
    cpuKind,
    cpus,
    memoryMb,
    usdPerHour: perSecond * 3600,
    usdPerDay: perSecond * 86_400,
    usdPerMonth,
    publishedPrice,
  };
}

const SIZES: SizeChoice[] = [
  priced("low", "Low — 1 shared CPU, 1 GB", "shared", 1, 1024, 5.85, false),
  priced("normal", "Normal — 2 shared CPUs, 2 GB", "shared", 2, 2048, 11.7, false),
  priced("high", "High — 1 dedicated CPU, 2 GB", "performance", 1, 2048, 32.34, false),
  priced("shared-cpu-1x", "shared-cpu-1x — 1 shared CPU", "shared", 1, 1024, 5.85, true),
  priced("performance-2x", "performance-2x — 2 performance CPUs", "performance", 2, 4096, 62.15, true),
];

const DEFAULT_REGION = "sin";
const DEFAULT_SIZE = "normal";
const APP = "trademind-0a1b2c3d4e";

function noMachine(): ApiError {
  return {
    code: "no_machine",
    message: "there is no TradeMind machine yet",
    hint: "Start one with `trademind machine start` or the Start button.",
  };
}

function defaultFailure(step: Step): ApiError {
  return {
    code: "fly_no_capacity",
    message: `Fly has no capacity for this machine right now (step ${step})`,
    hint: "Retry in a few minutes (it resumes from this step), or Destroy and Start in another region.",
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MockMachine {
  /** Every step that actually ran (skipped "done earlier" steps are not listed), in order. */
  readonly performed: Step[] = [];
  private readonly stepMs: number;
  private failAt: MockMachineOptions["failAt"];
  private failuresLeft: number;
  private readonly stuck: boolean;
  private readonly failures = new Map<MachineOperation, ApiError>();
  private busy: MachineOperation | null = null;
  private state: MockFlyState = "none";
  private app: string | null = null;
  private machineId: string | null = null;
  private region: string | null = null;
  private size: string | null = null;
  private since: string | null = null;
  private agentReady = false;
  private run: MockRun | null = null;
  private runs = 0;
  private machines = 0;
  private flyEvents: FlyEventView[] = [];

  constructor(options: MockMachineOptions = {}) {
    this.stepMs = options.stepMs ?? 400;
    this.failAt = options.failAt;
    this.failuresLeft = options.failAt?.times ?? 1;
    this.stuck = options.stuck ?? false;
    if (options.initial !== undefined && options.initial !== "none") {
      this.app = APP;
      this.createMachine(DEFAULT_REGION, DEFAULT_SIZE);
      this.setState(options.initial);
      this.agentReady = options.initial === "started";
    }
  }

  /** The next call of `operation` fails with `error` (once). */
  failNext(operation: MachineOperation, error: ApiError): void {
    this.failures.set(operation, error);
  }

  /** Makes provisioning fail at `step` (again), `times` times. */
  failProvisioningAt(step: Step, error?: ApiError, times = 1): void {
    this.failAt = error === undefined ? { step, times } : { step, error, times };
    this.failuresLeft = times;
  }

  async status(): Promise<MachineStatus> {
    this.injected("status");
    return this.view();
  }

  async regions(): Promise<RegionsView> {
    this.injected("regions");
    return {
      source: "documented",
      warning: null,
      nearest: null,
      defaultRegion: DEFAULT_REGION,
      regions: REGIONS.map((r) => ({ ...r })),
      sizes: SIZES.map((s) => ({ ...s })),
      defaultSize: DEFAULT_SIZE,
    };
  }

  async events(limit: number): Promise<FlyEventView[]> {
    this.injected("events");
    if (!this.hasMachine()) throw new BackendError(noMachine());
    return this.flyEvents.slice(0, Math.min(Math.max(limit, 1), 50));
  }

  async start(options: StartOptions, onProgress: (event: Progress) => void): Promise<MachineOutcome> {
    return this.exclusive("start", async () => {
      if (options.size !== undefined && !SIZES.some((s) => s.name === options.size)) {
        throw new BackendError({
          code: "invalid_input",
          message: `invalid input: "${options.size}" is not a machine size: use low, normal or high`,
          hint: "Check the value and try again.",
        });
      }
      const region = options.region === undefined ? undefined : REGIONS.find((r) => r.code === options.region);
      if (options.region !== undefined && region === undefined) {
        throw new BackendError({
          code: "invalid_input",
          message: `invalid input: Fly has no region "${options.region ?? ""}"`,
          hint: "Check the value and try again.",
        });
      }
      if (region !== undefined && !region.binance) {
        throw new BackendError({
          code: "invalid_input",
          message: `invalid input: Binance refuses connections from the US, so the screener cannot run in ${region.code}; choose a region outside the US such as sin, nrt, ams or fra`,
          hint: "Check the value and try again.",
        });
      }
      const run = this.openRun(options);
      for (const step of STEPS) {
        const record = run.steps[step];
        if (record.state === "done") {
          onProgress({ step, state: "done", line: `${TITLES[step]} — done earlier`, elapsedMs: 0 });
          continue;
        }
        const firstStart = (record.firstStartMs ??= Date.now());
        const elapsed = () => Date.now() - firstStart;
        record.state = "running";
        record.error = null;
        record.finishedMs = null;
        this.performed.push(step);
        onProgress({ step, state: "running", line: TITLES[step], elapsedMs: elapsed() });
        this.begin(step);
        await sleep(this.stepMs / 2);
        onProgress({ step, state: "running", line: this.logLine(step, run), elapsedMs: elapsed() });
        await sleep(this.stepMs / 2);
        if (this.failAt?.step === step && this.failuresLeft > 0) {
          this.failuresLeft -= 1;
          const error = this.failAt.error ?? defaultFailure(step);
          record.state = "failed";
          record.error = error;
          record.finishedMs = Date.now();
          run.status = "failed";
          if (step === "started" && this.state === "starting") this.setState("stopped");
          onProgress({ step, state: "failed", line: error.message, elapsedMs: elapsed() });
          throw new BackendError(error);
        }
        const line = this.finish(step, run);
        record.state = "done";
        record.finishedMs = Date.now();
        onProgress({ step, state: "done", line, elapsedMs: elapsed() });
      }
      run.status = "done";
      return {
        message: `Machine ${this.machineId ?? "?"} is running; the agent answers at https://${this.app ?? "?"}.fly.dev`,
        status: this.view(),
      };
    });
  }

  async stop(): Promise<MachineOutcome> {
    return this.exclusive("stop", async () => {
      const id = this.requireMachine();
      if (this.state === "stopped") return { message: `Machine ${id} is already stopped`, status: this.view() };
      this.setState("stopping");
      this.agentReady = false;
      await sleep(this.stepMs);
      this.setState("stopped");
      this.event("stop", "stopped");
      return { message: `Machine ${id} stopped`, status: this.view() };
    });
  }

  async restart(): Promise<MachineOutcome> {
    return this.exclusive("restart", async () => {
      const id = this.requireMachine();
      if (this.state !== "started") {
        throw new BackendError({
          code: "machine_state",
          message: `the machine is ${this.state}: only a started machine restarts; use Start`,
          hint: "Check `trademind machine status` for the machine's state and the next action.",
        });
      }
      this.agentReady = false;
      this.setState("stopping");
      await sleep(this.stepMs / 2);
      this.setState("starting");
      await sleep(this.stepMs / 2);
      this.setState("started");
      this.agentReady = true;
      this.event("restart", "started");
      return { message: `Machine ${id} restarted; agent mock is ready`, status: this.view() };
    });
  }

  /** A new viewer token: a started machine restarts to read it, a stopped one takes it at its next start. */
  async replaceViewerToken(): Promise<MachineOutcome> {
    const id = this.requireMachine();
    if (this.state === "started") {
      const { status } = await this.restart();
      return { message: `New viewer token set and machine ${id} restarted: the old viewer token no longer works`, status };
    }
    if (this.state === "stopped") {
      return {
        message: `New viewer token set; machine ${id} is ${this.state} and its agent takes the new token when it next starts`,
        status: this.view(),
      };
    }
    throw new BackendError({
      code: "machine_state",
      message: `the machine is ${this.state}: the viewer token is replaced on a started or stopped machine; wait for it to settle`,
      hint: "Check `trademind machine status` for the machine's state and the next action.",
    });
  }

  async resize(size: string): Promise<MachineOutcome> {
    return this.exclusive("resize", async () => {
      const id = this.requireMachine();
      if (!SIZES.some((s) => s.name === size)) {
        throw new BackendError({
          code: "invalid_input",
          message: `invalid input: "${size}" is not a machine size: use low, normal or high`,
          hint: "Check the value and try again.",
        });
      }
      await sleep(this.stepMs);
      this.size = size;
      this.event("update", this.state);
      return { message: `Machine ${id} now runs as ${size}`, status: this.view() };
    });
  }

  async destroy(confirmed: boolean): Promise<MachineOutcome> {
    if (!confirmed) {
      throw new BackendError({
        code: "confirmation_required",
        message: "destroying the machine and its data volume needs confirmation",
        hint: "Confirm in the dialog, or pass --yes on the command line.",
      });
    }
    return this.exclusive("destroy", async () => {
      if (!this.hasMachine()) return { message: "No machine and no leftover volume to delete", status: this.view() };
      const id = this.machineId!;
      const from = this.state;
      if (from === "started") {
        this.setState("stopping");
        this.agentReady = false;
        await sleep(this.stepMs / 2);
      }
      this.setState("destroying");
      await sleep(this.stepMs / 2);
      this.setState("destroyed");
      this.machineId = null;
      this.flyEvents = [];
      return {
        message: `Machine ${id} destroyed and its data volume deleted; the app ${this.app ?? "?"} and its secrets are kept (an app without machines or volumes costs nothing)`,
        status: this.view(),
      };
    });
  }

  // --- internals -------------------------------------------------------------------------

  private async exclusive<T>(operation: MachineOperation, work: () => Promise<T>): Promise<T> {
    this.injected(operation);
    if (this.busy !== null) {
      throw new BackendError({
        code: "machine_busy",
        message: `another TradeMind process is changing the machine (${this.busy} in this window)`,
        hint: "Wait for the other operation to finish (see `trademind machine status`), then try again.",
      });
    }
    this.busy = operation;
    try {
      return await work();
    } finally {
      this.busy = null;
    }
  }

  private injected(operation: MachineOperation): void {
    const error = this.failures.get(operation);
    if (error !== undefined) {
      this.failures.delete(operation);
      throw new BackendError(error);
    }
  }

  /** The latest run if it is unfinished and asks for the same region and size, else a new one. */
  private openRun(options: StartOptions): MockRun {
    const latest = this.run;
    if (
      latest !== null &&
      latest.status !== "done" &&
      (options.region === undefined || options.region === latest.region) &&
      (options.size === undefined || options.size === latest.size)
    ) {
      latest.status = "running";
      return latest;
    }
    const hasMachine = this.hasMachine();
    const steps = Object.fromEntries(
      STEPS.map((step) => [step, { state: "pending", error: null, firstStartMs: null, finishedMs: null } satisfies MockStep]),
    ) as Record<Step, MockStep>;
    this.runs += 1;
    this.run = {
      id: this.runs,
      status: "running",
      startedAt: new Date().toISOString(),
      region: options.region ?? (hasMachine ? this.region! : DEFAULT_REGION),
      size: options.size ?? (hasMachine ? this.size! : DEFAULT_SIZE),
      steps,
    };
    return this.run;
  }

  /** What a step changes as it begins. */
  private begin(step: Step): void {
    if (step === "started" && this.state !== "started") this.setState("starting");
  }

  private logLine(step: Step, run: MockRun): string {
    switch (step) {
      case "token":
        return "GET /v1/tokens/current: organisation personal";
      case "app":
        return `GET /apps/${APP}`;
      case "secrets":
        return "Owner and viewer tokens are in the keyring; sending them as Fly secrets";
      case "volume":
        return `Looking for a free trademind_data volume in ${run.region}`;
      case "machine":
        return this.hasMachine()
          ? `Reusing machine ${this.machineId ?? "?"}`
          : `POST /machines: trademind-agent in ${run.region} (${run.size})`;
      case "started":
        return `Fly reports ${this.state}`;
      case "ready":
        return `Polling https://${APP}.fly.dev/health`;
      case "done":
        return "Marking the run done";
    }
  }

  /** What a step changes as it ends, and its closing line. */
  private finish(step: Step, run: MockRun): string {
    switch (step) {
      case "token":
        return "Token for organisation personal";
      case "app":
        this.app = APP;
        return `App ${APP} is ready`;
      case "secrets":
        return "Secrets set (version 1)";
      case "volume":
        return `Volume vol_mock0001 (1 GB) in ${this.region ?? DEFAULT_REGION}`;
      case "machine":
        if (!this.hasMachine()) this.createMachine(run.region, run.size);
        return `Machine ${this.machineId ?? "?"} exists`;
      case "started":
        this.setState("started");
        this.event("start", "started");
        return `Fly reports machine ${this.machineId ?? "?"} started`;
      case "ready":
        this.agentReady = true;
        return "The agent answers: ready (mock)";
      case "done":
        return "Everything is up";
    }
  }

  private createMachine(region: string, size: string): void {
    this.machines += 1;
    this.machineId = `e78${String(this.machines).padStart(4, "0")}mock`;
    this.region = region;
    this.size = size;
    this.setState("created");
    this.event("launch", "created");
  }

  private hasMachine(): boolean {
    return this.machineId !== null;
  }

  private requireMachine(): string {
    if (this.machineId === null) throw new BackendError(noMachine());
    return this.machineId;
  }

  private setState(state: MockFlyState): void {
    this.state = state;
    this.since = new Date().toISOString();
  }

  private event(kind: string, status: string): void {
    this.flyEvents.unshift({
      id: `evt${this.flyEvents.length + 1}`,
      at: new Date().toISOString(),
      kind,
      status,
      source: "user",
      exitCode: null,
      oomKilled: null,
      restartCount: null,
    });
  }

  private view(): MachineStatus {
    const retry = this.run?.status === "failed";
    const age = this.since === null ? 0 : Date.now() - Date.parse(this.since);
    const stuck = TRANSIENT.has(this.state) && (this.stuck || age > stuckThresholdMs(this.state));
    const [nextAction, advice] = this.advise(retry, stuck);
    const size = SIZES.find((s) => s.name === this.size);
    const started = this.state === "started";
    return {
      app: this.app,
      machineId: this.machineId,
      region: this.region,
      size: this.size,
      image: this.hasMachine() ? "registry.fly.io/trademind-screener:mock" : null,
      state: this.state,
      since: this.hasMachine() ? this.since : null,
      stuck,
      crashLooping: false,
      drift: null,
      nextAction,
      advice,
      agentUrl: this.app === null ? null : `https://${this.app}.fly.dev`,
      agent: started && this.agentReady ? { status: "ready", agentVersion: "mock", machineId: this.machineId } : null,
      agentProblem: started && !this.agentReady ? "the agent has not answered /health yet" : null,
      cost:
        this.hasMachine() && size !== undefined
          ? { usdPerHour: size.usdPerHour, usdPerDay: size.usdPerDay, usdPerMonth: size.usdPerMonth }
          : null,
      lastRun:
        this.run === null
          ? null
          : {
              id: this.run.id,
              status: this.run.status,
              region: this.run.region,
              size: this.run.size,
              startedAt: this.run.startedAt,
              steps: STEPS.map((step) => {
                const record = this.run!.steps[step];
                const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
                return {
                  step,
                  state: record.state,
                  startedAt: iso(record.firstStartMs),
                  finishedAt: iso(record.finishedMs),
                  error: record.error,
                };
              }),
            },
      checkedAt: new Date().toISOString(),
    };
  }

  private advise(retry: boolean, stuck: boolean): [NextAction, string] {
    if (!this.hasMachine()) {
      return [retry ? "retry" : "start", `No machine yet: Start creates one in ${DEFAULT_REGION}.`];
    }
    if (stuck) {
      return [
        "restart",
        `Stuck ${this.state} for over ${stuckThresholdMs(this.state) / 60_000} minutes (Fly's threshold): Stop then Start; if it stays stuck, Destroy it (forced) and Start again.`,
      ];
    }
    if (this.state === "started") {
      return retry
        ? ["retry", "Running, but the last start did not finish: Retry resumes it."]
        : ["stop", "Running. Stop it to stop paying for CPU."];
    }
    if (TRANSIENT.has(this.state)) return ["wait", `${this.state}: wait a moment.`];
    if (retry) return ["retry", "The last start failed: Retry resumes from the failed step."];
    return ["start", "Stopped (only its disk is billed). Start runs it again."];
  }
}
