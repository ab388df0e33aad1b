// The agent's recent errors grouped by source and message: how often, and when last.
import type { AgentErrorRecord } from "../../bindings";

export interface ErrorGroup {
  source: string;
  message: string;
  count: number;
  /** RFC 3339: the newest occurrence. */
  last: string;
}

/** Groups, most frequent first (then most recent). */
export function groupErrors(errors: AgentErrorRecord[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const e of errors) {
    const key = JSON.stringify([e.source, e.message]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { source: e.source, message: e.message, count: 1, last: e.at });
    else {
      group.count += 1;
      if (Date.parse(e.at) > Date.parse(group.last)) group.last = e.at;
    }
  }
  return Array.from(groups.values()).sort((a, b) => b.count - a.count || Date.parse(b.last) - Date.parse(a.last));
}
