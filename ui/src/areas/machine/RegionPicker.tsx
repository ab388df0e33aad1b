// Where the machine runs: Fly's regions, the default marked, the ones Binance blocks flagged
// (and not selectable: the core refuses them). A machine cannot move region once it exists.
import type { RegionsView } from "../../bindings";

export function RegionPicker({
  regions,
  value,
  onChange,
  locked,
}: {
  regions: RegionsView;
  value: string;
  onChange: (code: string) => void;
  /** Why the region cannot be changed now, if it cannot. */
  locked: string | null;
}) {
  return (
    <div className="field">
      <label htmlFor="machine-region">Region</label>
      <select
        id="machine-region"
        data-testid="machine-region"
        value={value}
        disabled={locked !== null}
        aria-describedby="machine-region-note"
        onChange={(e) => onChange(e.target.value)}
      >
        {regions.regions.map((r) => {
          const notes = [
            r.code === regions.defaultRegion ? "default" : null,
            r.code === regions.nearest ? "nearest" : null,
            r.binance ? null : "Binance blocked",
            r.requiresPaidPlan ? "paid plan" : null,
          ].filter((n) => n !== null);
          return (
            <option key={r.code} value={r.code} disabled={!r.binance} data-binance={r.binance}>
              {r.code} — {r.name}
              {notes.length > 0 ? ` (${notes.join(", ")})` : ""}
            </option>
          );
        })}
      </select>
      <p id="machine-region-note" className="muted field-note">
        {locked ??
          "US regions are blocked by Binance (HTTP 451), so the screener cannot run there."}
        {regions.warning !== null && (
          <span className="warning-text" data-testid="machine-regions-warning">
            {" "}
            {regions.warning}
          </span>
        )}
      </p>
    </div>
  );
}
