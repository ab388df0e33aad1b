// How much CPU the machine gets, with the estimated cost while started (machine + volume).
import type { SizeChoice } from "../../bindings";
import { usd } from "./format";

export function SizePicker({
  sizes,
  value,
  onChange,
  pricedFor,
  disabled,
}: {
  sizes: SizeChoice[];
  value: string;
  onChange: (name: string) => void;
  /** The region the prices are for (the core prices sizes for the default region). */
  pricedFor: string;
  disabled: boolean;
}) {
  const chosen = sizes.find((s) => s.name === value);
  return (
    <div className="field">
      <label htmlFor="machine-size">Size (CPU priority)</label>
      <select
        id="machine-size"
        data-testid="machine-size"
        value={value}
        disabled={disabled}
        aria-describedby="machine-size-cost"
        onChange={(e) => onChange(e.target.value)}
      >
        {sizes.map((s) => (
          <option key={s.name} value={s.name}>
            {s.label} · {usd(s.usdPerHour)}/h · {usd(s.usdPerDay)}/day
          </option>
        ))}
      </select>
      <p id="machine-size-cost" className="field-note" data-testid="machine-size-cost">
        {chosen === undefined ? (
          <span className="muted">No price for this size.</span>
        ) : (
          <>
            About <strong>{usd(chosen.usdPerHour)}/hour</strong>, <strong>{usd(chosen.usdPerDay)}/day</strong> (
            {usd(chosen.usdPerMonth)}/month) while started, with the 1 GB data volume
            <span className="muted">
              {" "}
              — {chosen.publishedPrice ? "Fly's published price" : "estimated from Fly's price formula"}, in{" "}
              {pricedFor}.
            </span>
          </>
        )}
      </p>
    </div>
  );
}
