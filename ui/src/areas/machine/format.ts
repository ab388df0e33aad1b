// Formatting shared by the Machine area's parts.

/** US dollars with enough digits for a per-hour price. */
export function usd(amount: number): string {
  const digits = amount < 0.1 ? 4 : 2;
  return `$${amount.toFixed(digits)}`;
}

/** `850 ms`, `4.2 s`, `2 min 05 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
}

export function localTime(rfc3339: string): string {
  const at = new Date(rfc3339);
  return Number.isNaN(at.getTime()) ? rfc3339 : at.toLocaleString();
}

/** A ticking clock: `0 s`, `42 s`, `2 min 05 s`, `1 h 02 min`. */
export function clock(ms: number): string {
  const whole = Math.max(0, Math.floor(ms / 1000));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
