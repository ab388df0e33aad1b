// One target shown: its inspection (findings first), the live view and logs from one watch,
// and the report. Mounted per target (and per credential change): unmounting stops the watch.
import type { InspectTarget } from "../../bindings";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { AgentPanel } from "./AgentPanel";
import { ErrorSummary } from "./ErrorSummary";
import { FindingsList } from "./FindingsList";
import { HistoryCharts } from "./HistoryCharts";
import { LiveMetrics } from "./LiveMetrics";
import { LogsPanel } from "./LogsPanel";
import { MachinePanel } from "./MachinePanel";
import { ReportPanel } from "./ReportPanel";
import { mergeSignals, SignalsList } from "./SignalsList";
import { mergeTraders, TradersTable } from "./TradersTable";
import { useInspection } from "./useInspection";
import { useSupportLogs } from "./useSupportLogs";
import { useSupportWatch } from "./useSupportWatch";
import { VersionsLine } from "./VersionsLine";

export function TargetView({ target }: { target: InspectTarget }) {
  const api = useBackend().support;
  const { inspection, error, loading, refresh } = useInspection(api, target);
  const logs = useSupportLogs(api, target);
  const live = useSupportWatch(api, target, logs.watchQuery, logs.onTail);
  const agent = inspection?.agent ?? null;

  return (
    <section className="support-target-view" aria-labelledby="support-target-title" data-testid="support-inspection" aria-busy={loading}>
      <header className="area-head">
        <h2 id="support-target-title">
          {target.app} <code>{target.machineId ?? "no machine"}</code>
        </h2>
        <button type="button" data-testid="support-refresh" disabled={loading} onClick={refresh}>
          {loading ? "Inspecting…" : "Refresh"}
        </button>
      </header>
      {error !== null && <ErrorNotice error={error} testId="support-inspect-error" />}
      {inspection === null && error === null && <p className="muted loading">Inspecting {target.app}…</p>}
      {inspection !== null && (
        <>
          <VersionsLine versions={inspection.versions} />
          <FindingsList findings={inspection.findings} />
          <MachinePanel machine={inspection.machine} />
          <AgentPanel agent={agent} liveStatus={live.status} />
          <LiveMetrics metrics={live.metrics ?? agent?.metrics ?? null} live={live.metrics !== null} link={live.link} />
          {live.error !== null && <ErrorNotice error={live.error} testId="support-watch-error" />}
          <HistoryCharts charts={inspection.charts} historyError={agent?.historyError ?? null} />
          <TradersTable traders={mergeTraders(agent?.traders ?? [], live.traders)} />
          <SignalsList signals={mergeSignals(agent?.signals ?? [], live.signals)} />
          <ErrorSummary errors={agent?.history?.errors ?? null} />
        </>
      )}
      <LogsPanel logs={logs} tailEnded={live.tailEnded} onRestartTail={live.restartTail} />
      <ReportPanel target={target} />
    </section>
  );
}
