// One signal in detail: the candles chart (an SVG shown as an image, never injected as HTML),
// indicator values, the conditions that matched, the AI analysis, and why candles are missing.
import { useEffect, useState } from "react";
import type { SignalDetail, SignalView } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";
import { decisionLabel, decisionTone, formatPrice } from "./feed";

export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

function value(v: number | null): string {
  if (v === null) return "—";
  return Math.abs(v) >= 1000 ? v.toLocaleString("en-US", { maximumFractionDigits: 2 }) : String(Number(v.toPrecision(6)));
}

export function SignalDetailPanel({ signal, onClose }: { signal: SignalView; onClose: () => void }) {
  const backend = useBackend();
  const [detail, setDetail] = useState<SignalDetail | null>(null);
  const [error, setError] = useState<BackendError | null>(null);

  useEffect(() => {
    let live = true;
    setDetail(null);
    setError(null);
    backend.signals.detail(signal.key).then(
      (d) => live && setDetail(d),
      (thrown: unknown) => live && setError(BackendError.from(thrown)),
    );
    return () => {
      live = false;
    };
  }, [backend, signal.key]);

  const a = detail?.analysis ?? null;
  return (
    <aside className="panel signal-detail" aria-labelledby="signal-detail-title" data-testid="signal-detail" data-key={signal.key}>
      <div className="panel-head">
        <h2 id="signal-detail-title">
          {signal.symbol} <span className="muted">{signal.interval}</span> · {signal.traderName}
        </h2>
        <button type="button" data-testid="signal-detail-close" aria-label="Close the signal detail" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted detail-sub">
        {signal.source === "cloud" ? "Cloud" : "Local"} signal #{signal.seq} at {formatPrice(signal.price)} · candle closed{" "}
        {new Date(signal.closeTime).toLocaleString()}
      </p>
      {error !== null && <ErrorNotice error={error} testId="signal-detail-error" />}
      {detail === null && error === null && <p className="muted">Loading candles…</p>}
      {detail !== null && (
        <>
          {detail.note !== null && (
            <p className="notice warning" data-testid="signal-detail-note">
              {detail.note}
            </p>
          )}
          {detail.candles.length > 0 && (
            <img
              className="signal-chart"
              data-testid="signal-detail-chart"
              src={svgDataUrl(detail.chartSvg)}
              alt={`${signal.symbol} ${signal.interval} candles up to the signal`}
            />
          )}
          <div className="detail-columns">
            <section aria-label="Indicators">
              <h3>Indicators</h3>
              {detail.indicators.length === 0 ? (
                <p className="muted">None recorded.</p>
              ) : (
                <table className="kv" data-testid="signal-detail-indicators">
                  <tbody>
                    {detail.indicators.map((i) => (
                      <tr key={i.name}>
                        <th scope="row">{i.name}</th>
                        <td className="num">{value(i.value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section aria-label="Conditions">
              <h3>Conditions</h3>
              {detail.signal.conditions.length === 0 ? (
                <p className="muted">The filter returned true without conditions.</p>
              ) : (
                <ul className="conditions" data-testid="signal-detail-conditions">
                  {detail.signal.conditions.map((c, i) => (
                    <li key={i}>{c}</li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <section aria-label="AI analysis" data-testid="signal-detail-analysis">
            <h3>AI analysis</h3>
            {a === null ? (
              <p className="muted">No analysis for this signal.</p>
            ) : (
              <>
                <p className="analysis-line">
                  <span className={`badge badge-${decisionTone(a.decision)}`} data-testid="signal-detail-decision">
                    {decisionLabel(a.decision)}
                  </span>
                  <span>Direction: {a.direction}</span>
                  <span>Confidence: {a.confidence} %</span>
                  <span className="muted">{a.model}</span>
                </p>
                <p className="analysis-reasoning">{a.reasoning}</p>
                {a.error !== undefined && <p className="warning-text">No verdict: {a.error.message}</p>}
              </>
            )}
          </section>
        </>
      )}
    </aside>
  );
}
