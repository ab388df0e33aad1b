// In-memory traders for tests and the browser preview: built-ins and a user trader, versions
// with `version_conflict`, deploys that pass through Deploying… to Cloud, injected conflicts and
// failures, a check with line numbers, and imports that say why a record was skipped.
import type {
  ApiError,
  ConflictChoice,
  ImportReport,
  ImportSkip,
  Interval,
  Placement,
  SignalView,
  Trader,
  TraderCard,
  TraderCheck,
  TraderConflict,
  TraderProblem,
} from "../bindings";
import type { TradersApi } from "./apis";
import { BackendError } from "./backend";

export interface MockTradersOptions {
  /** How long a deploy or undeploy waits for the "agent" (default 1.5 s). */
  deployMs?: number;
}

export interface TraderLinks {
  /** Why a cloud toggle is refused now (machine not started, link not live), or null. */
  cloudGate: () => Promise<ApiError | null>;
  lastSignal: (traderId: string) => SignalView | null;
}

interface Entry {
  trader: Trader;
  builtin: boolean;
  placement: Placement;
  cloudVersion: number | null;
  error: string | null;
  conflict: TraderConflict | null;
}

export const REFRESH_INTERVALS: readonly Interval[] = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d"];

function trader(id: string, name: string, description: string, interval: Interval, cooldown: number, code: string): Trader {
  return {
    id,
    name,
    description,
    enabled: true,
    filter: { code, description: [description], refreshInterval: interval, requiredTimeframes: [interval], cooldownBars: cooldown, symbols: null },
    strategy: {
      instructions: "",
      riskManagement: { stopLoss: 0.02, takeProfit: 0.05, maxPositions: 3, positionSizePercent: 0.1, maxDrawdown: null },
      aiAnalysisLimit: 100,
      modelTier: "standard",
      maxConcurrentAnalysis: 3,
    },
    cloud: { enabledInCloud: false, notifyOnSignal: false, notifyOnAnalysis: false },
    version: 1,
  };
}

function builtins(): Trader[] {
  return [
    trader("builtin-rsi-oversold-bounce", "RSI oversold bounce", "RSI(14) on 15m closes back above 30 after being oversold.", "15m", 8,
      "// RSI oversold bounce: RSI(14) on 15m closes back above 30 after being below it.\nconst k = timeframes['15m'];\nconst rsi = helpers.calculateRSI(k, 14);\nif (!rsi || rsi.length < 2) return false;\nconst prev = rsi[rsi.length - 2];\nconst now = rsi[rsi.length - 1];\nif (prev === null || now === null) return false;\nreturn { match: prev < 30 && now >= 30, conditions: [`RSI(14) ${prev.toFixed(1)} → ${now.toFixed(1)} crossed up through 30`] };\n"),
    trader("builtin-volume-spike", "Volume spike", "A green 5m candle with more than 3× the average volume of the 20 before it.", "5m", 12,
      "// Volume spike: a green 5m candle with more than 3× the average volume of the 20 before it.\nconst k = timeframes['5m'];\nconst n = k.length;\nif (n < 21) return false;\nlet sum = 0;\nfor (let i = n - 21; i < n - 1; i++) sum += parseFloat(k[i][5]);\nconst avg = sum / 20;\nconst last = k[n - 1];\nconst volume = parseFloat(last[5]);\nconst green = parseFloat(last[4]) > parseFloat(last[1]);\nif (avg === 0) return false;\nreturn { match: green && volume > 3 * avg, conditions: [`volume ${(volume / avg).toFixed(1)}× the 20-bar average`, 'green candle'] };\n"),
    trader("builtin-golden-cross", "Golden cross", "SMA(50) of 1h closes crosses above SMA(200).", "1h", 24,
      "// Golden cross: the 50-period SMA of 1h closes crosses above the 200-period SMA.\nconst k = timeframes['1h'];\nconst fast = helpers.calculateMASeries(k, 50);\nconst slow = helpers.calculateMASeries(k, 200);\nconst n = k.length;\nif (n < 201 || slow[n - 2] === null) return false;\nreturn { match: fast[n - 2] <= slow[n - 2] && fast[n - 1] > slow[n - 1], conditions: ['SMA(50) crossed above SMA(200) on 1h'] };\n"),
    trader("builtin-vwap-reclaim", "VWAP reclaim", "The 5m close moves back above the 24 h VWAP on above-average volume.", "5m", 24,
      "// VWAP reclaim: the 5m close moves back above the 24 h VWAP on above-average volume.\nconst k = timeframes['5m'];\nconst vwap = helpers.calculateVWAPSeries(k);\nconst n = k.length;\nif (n < 289 || vwap[n - 2] === null) return false;\nconst prevClose = parseFloat(k[n - 2][4]);\nconst close = parseFloat(k[n - 1][4]);\nconst avgVol = helpers.calculateAvgVolume(k, 20);\nreturn close > vwap[n - 1] && prevClose <= vwap[n - 2] && parseFloat(k[n - 1][5]) > avgVol;\n"),
    trader("builtin-adx-trend-strength", "ADX trend strength", "On 1h, ADX(14) rises through 25 with +DI above −DI.", "1h", 12,
      "// ADX trend strength: ADX(14) on 1h rises through 25 with +DI above -DI.\nconst k = timeframes['1h'];\nconst { adx, plusDI, minusDI } = helpers.calculateADXSeries(k, 14);\nconst n = adx.length;\nif (n < 2 || adx[n - 2] === null) return false;\nreturn adx[n - 2] < 25 && adx[n - 1] >= 25 && plusDI[n - 1] > minusDI[n - 1];\n"),
  ];
}

function userTrader(): Trader {
  const t = trader(
    "user-pullback-trend-rider",
    "1h pullback trend rider",
    "Above the 1h EMA(50), a 15m pullback to the EMA(20) that closes green.",
    "15m",
    16,
    "// Trend on 1h, pullback entry on 15m.\nconst h1 = timeframes['1h'];\nconst m15 = timeframes['15m'];\nconst trend = helpers.getLatestEMA(h1, 50);\nconst close1h = parseFloat(h1[h1.length - 1][4]);\nif (trend === null || close1h < trend) return false;\nconst ema20 = helpers.getLatestEMA(m15, 20);\nconst last = m15[m15.length - 1];\nconst low = parseFloat(last[3]);\nconst green = parseFloat(last[4]) > parseFloat(last[1]);\nreturn { match: green && low <= ema20 * 1.002, conditions: ['1h above EMA(50)', '15m touched EMA(20) and closed green'] };\n",
  );
  t.filter.requiredTimeframes = ["15m", "1h"];
  t.strategy.instructions = "Take longs only. Skip setups where the 1h RSI is above 70. Stop below the pullback low.";
  t.cloud.notifyOnSignal = true;
  t.version = 3;
  return t;
}

function invalid(message: string, hint: string | null = null): BackendError {
  return new BackendError({ code: "invalid_input", message, hint });
}

const FORBIDDEN = ["fetch", "require", "import", "setTimeout", "setInterval", "XMLHttpRequest", "process", "eval"];
const CLOSING: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/** The mock's version of the engine's validation: fields, brackets, sandbox and timeframes. */
export function checkTrader(t: Trader): { problems: TraderProblem[]; warnings: string[] } {
  const problems: TraderProblem[] = [];
  const warnings: string[] = [];
  const problem = (field: string, message: string, line: number | null = null, column: number | null = null) =>
    problems.push({ field, message, line, column });

  if (t.name.trim() === "") problem("name", "a name is required");
  if (t.name.length > 60) problem("name", `the name is ${t.name.length} characters long; at most 60`);
  if (!REFRESH_INTERVALS.includes(t.filter.refreshInterval)) problem("filter.refreshInterval", `${t.filter.refreshInterval} is not a refresh interval`);
  if (t.filter.requiredTimeframes.length === 0) problem("filter.requiredTimeframes", "choose at least one timeframe the code reads");
  if (!Number.isInteger(t.filter.cooldownBars) || t.filter.cooldownBars < 0 || t.filter.cooldownBars > 10_000) {
    problem("filter.cooldownBars", "the cooldown is a whole number of bars, 0–10000");
  }
  const code = t.filter.code;
  if (code.trim() === "") {
    problem("filter.code", "the filter is empty: it must return true, false or { match, conditions }", 1, 1);
    return { problems, warnings };
  }

  const lines = code.split("\n");
  const stack: { ch: string; line: number; column: number }[] = [];
  const read = new Set<string>();
  lines.forEach((text, i) => {
    const line = i + 1;
    const bare = text.replace(/\/\/.*$/, "").replace(/(["'`])(?:\\.|(?!\1).)*\1/g, (m) => " ".repeat(m.length));
    for (const word of FORBIDDEN) {
      const at = bare.search(new RegExp(`\\b${word}\\b`));
      if (at >= 0) problem("filter.code", `\`${word}\` is not available in the sandbox (no I/O, timers or modules)`, line, at + 1);
    }
    for (const match of text.matchAll(/timeframes\[\s*['"]([0-9]+[smhdw])['"]\s*\]/g)) read.add(match[1]!);
    for (const [column, ch] of [...bare].entries()) {
      if (ch === "(" || ch === "[" || ch === "{") stack.push({ ch, line, column: column + 1 });
      const opener = CLOSING[ch];
      if (opener !== undefined) {
        const top = stack.pop();
        if (top === undefined || top.ch !== opener) problem("filter.code", `unexpected \`${ch}\``, line, column + 1);
      }
    }
  });
  const open = stack.pop();
  if (open !== undefined) problem("filter.code", `\`${open.ch}\` is never closed`, open.line, open.column);

  for (const interval of read) {
    if (!t.filter.requiredTimeframes.includes(interval as Interval)) {
      const line = lines.findIndex((l) => l.includes(`'${interval}'`) || l.includes(`"${interval}"`)) + 1;
      problem("filter.code", `reads timeframes['${interval}'] but ${interval} is not a required timeframe`, line, null);
    }
  }
  for (const interval of t.filter.requiredTimeframes) {
    if (!read.has(interval)) warnings.push(`${interval} is required but the code never reads timeframes['${interval}']`);
  }
  if (!/\breturn\b/.test(code)) warnings.push("the code never returns: it can never match");
  return { problems, warnings };
}

export class MockTraders implements TradersApi {
  private readonly entries = new Map<string, Entry>();
  private readonly deployMs: number;
  private readonly links: TraderLinks;
  private created = 0;

  constructor(options: MockTradersOptions = {}, links: TraderLinks = { cloudGate: async () => null, lastSignal: () => null }) {
    this.deployMs = options.deployMs ?? 1500;
    this.links = links;
    for (const t of builtins()) this.put(t, true);
    this.put(userTrader(), false);
  }

  async list(): Promise<TraderCard[]> {
    const cards = [...this.entries.values()].map((e) => this.card(e));
    return cards.sort((a, b) => Number(b.builtin) - Number(a.builtin));
  }

  async check(t: Trader): Promise<TraderCheck> {
    const { problems, warnings } = checkTrader(t);
    const started = performance.now();
    const failing = t.filter.code.split("\n").findIndex((l) => /\bthrow\b/.test(l));
    const dryRun =
      problems.length > 0
        ? null
        : {
            sample: `BTCUSDT ${t.filter.refreshInterval}, 500 recorded candles`,
            evaluations: 500,
            signals: failing >= 0 ? 0 : hash(t.filter.code) % 9,
            errors:
              failing >= 0
                ? [{ field: "filter.code", message: "Error: thrown by the filter on BTCUSDT", line: failing + 1, column: null }]
                : [],
            durationMs: Math.round((performance.now() - started + 12 + (hash(t.filter.code) % 40)) * 10) / 10,
          };
    return { ok: problems.length === 0, problems, warnings, dryRun };
  }

  async save(t: Trader): Promise<TraderCard> {
    const { problems } = checkTrader(t);
    if (problems.length > 0) {
      const p = problems[0]!;
      throw invalid(`${p.field}${p.line === null ? "" : ` line ${p.line}`}: ${p.message}`, "Run Check to see every problem.");
    }
    if (t.id === "") {
      const id = `user-${slug(t.name)}-${++this.created}`;
      const entry = this.put({ ...structuredClone(t), id, version: 1, cloud: { ...t.cloud, enabledInCloud: false } }, false);
      return this.card(entry);
    }
    const entry = this.existing(t.id);
    if (entry.builtin) throw invalid("built-in traders cannot be edited", "Duplicate it and edit the copy.");
    this.expectVersion(entry, t.version);
    entry.trader = { ...structuredClone(t), cloud: { ...t.cloud, enabledInCloud: entry.trader.cloud.enabledInCloud }, version: t.version + 1 };
    if (entry.trader.cloud.enabledInCloud) this.deploy(entry, true);
    return this.card(entry);
  }

  async remove(id: string, version: number): Promise<void> {
    const entry = this.existing(id);
    if (entry.builtin) throw invalid("built-in traders cannot be deleted", "Switch it off instead.");
    this.expectVersion(entry, version);
    this.entries.delete(id);
  }

  async setEnabled(id: string, enabled: boolean): Promise<TraderCard> {
    const entry = this.existing(id);
    if (entry.trader.enabled !== enabled) entry.trader = { ...entry.trader, enabled, version: entry.trader.version + 1 };
    return this.card(entry);
  }

  async setCloud(id: string, on: boolean, expectedVersion: number): Promise<TraderCard> {
    const entry = this.existing(id);
    this.expectVersion(entry, expectedVersion);
    const refused = await this.links.cloudGate();
    if (refused !== null) throw new BackendError(refused);
    if (entry.trader.cloud.enabledInCloud === on) return this.card(entry);
    entry.trader = { ...entry.trader, cloud: { ...entry.trader.cloud, enabledInCloud: on }, version: entry.trader.version + 1 };
    this.deploy(entry, on);
    return this.card(entry);
  }

  async resolveConflict(id: string, choice: ConflictChoice): Promise<TraderCard> {
    const entry = this.existing(id);
    const conflict = entry.conflict;
    if (conflict === null) throw invalid(`${entry.trader.name} has no conflict to resolve`);
    entry.conflict = null;
    if (choice === "mine") {
      entry.trader = { ...entry.trader, version: Math.max(conflict.localVersion, conflict.cloudVersion) + 1 };
      this.deploy(entry, true);
    } else {
      entry.trader = { ...entry.trader, version: conflict.cloudVersion };
      entry.cloudVersion = conflict.cloudVersion;
      entry.placement = "cloud";
    }
    return this.card(entry);
  }

  async importJson(json: string): Promise<ImportReport> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw invalid(`the file is not JSON: ${e instanceof Error ? e.message : String(e)}`, "Export traders from TradeMind to get a file it can read.");
    }
    const records = Array.isArray(parsed) ? parsed : [parsed];
    const imported: string[] = [];
    const skipped: ImportSkip[] = [];
    records.forEach((record, index) => {
      const label = typeof record === "object" && record !== null && typeof (record as { name?: unknown }).name === "string"
        ? ((record as { name: string }).name || `record ${index + 1}`)
        : `record ${index + 1}`;
      const reason = this.importProblem(record);
      if (reason !== null) {
        skipped.push({ name: label, reason });
        return;
      }
      const r = record as { name: string; description?: string; filter: Partial<Trader["filter"]> & { code: string } };
      const base = trader("", r.name, r.description ?? "", r.filter.refreshInterval ?? "5m", r.filter.cooldownBars ?? 50, r.filter.code);
      base.filter.requiredTimeframes = r.filter.requiredTimeframes ?? [base.filter.refreshInterval];
      base.filter.symbols = r.filter.symbols ?? null;
      const id = `user-${slug(r.name)}-${++this.created}`;
      this.put({ ...base, id }, false);
      imported.push(id);
    });
    return { imported, skipped };
  }

  async exportJson(ids: string[]): Promise<string> {
    const chosen =
      ids.length === 0
        ? [...this.entries.values()].filter((e) => !e.builtin)
        : ids.map((id) => this.existing(id));
    return JSON.stringify(chosen.map((e) => e.trader), null, 2);
  }

  /** Someone else changed the trader (another window or computer): its version moves on. */
  touch(id: string): void {
    const entry = this.existing(id);
    entry.trader = { ...entry.trader, version: entry.trader.version + 1 };
  }

  /** The cloud runs another version of the trader: the card shows the conflict. */
  injectConflict(id: string, cloudVersion: number, message = "The cloud runs a version changed on another computer."): void {
    const entry = this.existing(id);
    entry.conflict = { localVersion: entry.trader.version, cloudVersion, message };
  }

  /** Puts a trader in a placement directly (tests and screenshots of every badge). */
  place(id: string, placement: Placement, cloudVersion: number | null = null, error: string | null = null): void {
    const entry = this.existing(id);
    entry.placement = placement;
    entry.cloudVersion = cloudVersion;
    entry.error = error;
    entry.trader = { ...entry.trader, cloud: { ...entry.trader.cloud, enabledInCloud: placement !== "local" && placement !== "undeploying" } };
  }

  /** The next deploy is refused by the agent with this reason. */
  failNextDeploy(reason: string): void {
    this.failure = reason;
  }

  private failure: string | null = null;

  private importProblem(record: unknown): string | null {
    if (typeof record !== "object" || record === null || Array.isArray(record)) return "not a trader record (expected an object)";
    const r = record as Record<string, unknown>;
    if (typeof r.name !== "string" || r.name.trim() === "") return "it has no name";
    if (r.name.length > 60) return "its name is longer than 60 characters";
    if ([...this.entries.values()].some((e) => e.trader.name.toLowerCase() === (r.name as string).toLowerCase())) {
      return `a trader named “${r.name}” already exists`;
    }
    const filter = r.filter as Record<string, unknown> | undefined;
    if (typeof filter !== "object" || filter === null) return "it has no filter";
    if (typeof filter.code !== "string" || filter.code.trim() === "") return "its filter has no code";
    if (filter.refreshInterval !== undefined && !REFRESH_INTERVALS.includes(filter.refreshInterval as Interval)) {
      return `refresh interval “${String(filter.refreshInterval)}” is not one of ${REFRESH_INTERVALS.join(", ")}`;
    }
    return null;
  }

  private deploy(entry: Entry, on: boolean): void {
    entry.placement = on ? "deploying" : "undeploying";
    entry.error = null;
    const version = entry.trader.version;
    const failure = on ? this.failure : null;
    if (on) this.failure = null;
    setTimeout(() => {
      if (this.entries.get(entry.trader.id) !== entry || entry.trader.version !== version) return;
      if (failure !== null) {
        entry.placement = "error";
        entry.error = failure;
      } else {
        entry.placement = on ? "cloud" : "local";
        entry.cloudVersion = on ? version : null;
      }
    }, this.deployMs);
  }

  private put(t: Trader, builtin: boolean): Entry {
    const entry: Entry = { trader: t, builtin, placement: "local", cloudVersion: null, error: null, conflict: null };
    this.entries.set(t.id, entry);
    return entry;
  }

  private existing(id: string): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw invalid(`no trader ${id}`, "It may have been deleted; reload the list.");
    return entry;
  }

  private expectVersion(entry: Entry, expected: number): void {
    if (entry.trader.version !== expected) {
      throw new BackendError({
        code: "version_conflict",
        message: `${entry.trader.name} changed since you loaded it (version ${expected}, now ${entry.trader.version})`,
        hint: "Reload to see the stored version, then make your change again.",
      });
    }
  }

  private card(e: Entry): TraderCard {
    return {
      trader: structuredClone(e.trader),
      builtin: e.builtin,
      placement: e.placement,
      cloudVersion: e.cloudVersion,
      error: e.error,
      conflict: e.conflict === null ? null : { ...e.conflict },
      lastSignal: this.links.lastSignal(e.trader.id),
    };
  }
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "trader";
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
