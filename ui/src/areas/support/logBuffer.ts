// The logs panel's lines: appended pages, numbered for stable keys, capped to the newest MAX_LOG_LINES.
import type { LogLine } from "../../bindings";

export const MAX_LOG_LINES = 2000;

export interface NumberedLine {
  n: number;
  line: LogLine;
}

export interface LogBuffer {
  lines: NumberedLine[];
  /** The next line's number. */
  next: number;
  /** Lines dropped from the front to stay under the cap. */
  dropped: number;
}

export const EMPTY_LOGS: LogBuffer = { lines: [], next: 0, dropped: 0 };

/** `buffer` with `lines` after it, the oldest dropped beyond `cap`. */
export function appendLines(buffer: LogBuffer, lines: LogLine[], cap: number = MAX_LOG_LINES): LogBuffer {
  const added = lines.map((line, i) => ({ n: buffer.next + i, line }));
  const all = [...buffer.lines, ...added];
  const over = Math.max(0, all.length - cap);
  return { lines: over > 0 ? all.slice(over) : all, next: buffer.next + lines.length, dropped: buffer.dropped + over };
}
