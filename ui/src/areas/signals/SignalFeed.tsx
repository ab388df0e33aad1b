// The feed's table: newest first, one row per signal (cloud or local), click or Enter to open
// its detail. Rows are memoized so a flush only renders the new ones.
import { memo } from "react";
import type { SignalView } from "../../bindings";
import { timeAgo } from "../traders/model";
import { decisionLabel, decisionTone, formatPrice, rowTestId } from "./feed";

const Row = memo(function Row({
  signal,
  selected,
  onOpen,
}: {
  signal: SignalView;
  selected: boolean;
  onOpen: (signal: SignalView) => void;
}) {
  // The candle's close is when the signal happened (a replay stores many at once).
  const at = new Date(signal.closeTime + 1);
  const received = new Date(signal.receivedAt);
  const sameDay = at.toDateString() === new Date().toDateString();
  return (
    <tr
      data-testid={rowTestId(signal)}
      data-key={signal.key}
      data-trader={signal.traderId}
      data-symbol={signal.symbol}
      data-interval={signal.interval}
      data-open-time={signal.openTime}
      data-price={signal.price}
      className={selected ? "row-selected" : undefined}
      aria-selected={selected}
      tabIndex={0}
      onClick={() => onOpen(signal)}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          onOpen(signal);
        }
      }}
    >
      <td className="nowrap">
        <time dateTime={at.toISOString()} title={`Candle closed ${at.toLocaleString()} · received ${received.toLocaleString()}`}>
          {sameDay ? at.toLocaleTimeString() : `${at.toLocaleDateString()} ${at.toLocaleTimeString()}`}
        </time>
      </td>
      <td>{signal.traderName}</td>
      <td>
        <strong>{signal.symbol}</strong>
      </td>
      <td className="muted">{signal.interval}</td>
      <td className="num">{formatPrice(signal.price)}</td>
      <td>
        <span className={`source source-${signal.source}`}>{signal.source === "cloud" ? "Cloud" : "Local"}</span>
      </td>
      <td>
        {signal.decision === null ? (
          <span className="muted">—</span>
        ) : (
          <span className={`badge badge-${decisionTone(signal.decision)} badge-small`}>
            {decisionLabel(signal.decision)}
            {signal.confidence !== null && ` · ${Math.round(signal.confidence * 100)} %`}
          </span>
        )}
      </td>
    </tr>
  );
});

export function SignalFeed({
  rows,
  selectedKey,
  onOpen,
  empty,
}: {
  rows: SignalView[];
  selectedKey: string | null;
  onOpen: (signal: SignalView) => void;
  /** What to say when there is no row. */
  empty: string;
}) {
  const newest = rows[0];
  return (
    <div className="feed-wrap">
      <table className="feed" data-testid="signals-feed" data-rows={rows.length} aria-label="Signals, newest first">
        <thead>
          <tr>
            <th scope="col">Candle close</th>
            <th scope="col">Trader</th>
            <th scope="col">Symbol</th>
            <th scope="col">Interval</th>
            <th scope="col" className="num">
              Price
            </th>
            <th scope="col">Source</th>
            <th scope="col">AI</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <Row key={s.key} signal={s} selected={s.key === selectedKey} onOpen={onOpen} />
          ))}
          {rows.length === 0 && (
            <tr className="feed-empty">
              <td colSpan={7} data-testid="signals-empty">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {newest !== undefined && (
        <p className="feed-foot muted">
          {rows.length} signal{rows.length === 1 ? "" : "s"} · newest {timeAgo(newest.receivedAt)}
        </p>
      )}
    </div>
  );
}
