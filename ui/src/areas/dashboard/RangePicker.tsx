// How far back the charts reach: a radio group of 15 min / 1 hour / 24 hours / 7 days
// (arrow keys move the choice, as in any radio group).
import { useRef, type KeyboardEvent } from "react";
import type { MetricsRange } from "../../bindings";
import { RANGES } from "./format";

export function RangePicker({ value, onChange }: { value: MetricsRange; onChange: (range: MetricsRange) => void }) {
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);

  const onKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : event.key === "ArrowLeft" || event.key === "ArrowUp" ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = (index + step + RANGES.length) % RANGES.length;
    onChange(RANGES[next]!.range);
    buttons.current[next]?.focus();
  };

  return (
    <div className="segmented" role="radiogroup" aria-label="Chart range" data-testid="metrics-range">
      {RANGES.map((r, i) => {
        const checked = r.range === value;
        return (
          <button
            key={r.range}
            ref={(el) => {
              buttons.current[i] = el;
            }}
            type="button"
            role="radio"
            aria-checked={checked}
            tabIndex={checked ? 0 : -1}
            data-testid={`metrics-range-${r.range}`}
            onClick={() => onChange(r.range)}
            onKeyDown={(e) => onKey(e, i)}
          >
            {r.label}
          </button>
        );
      })}
    </div>
  );
}
