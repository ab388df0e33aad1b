// The Events area's filter state → the core's EventFilter.
import type { EventFilter } from "../../bindings";

export type Family = "all" | "machine" | "provision" | "link" | "trader" | "budget" | "autostop" | "watchdog" | "token";

export const FAMILIES: readonly { id: Family; label: string }[] = [
  { id: "all", label: "All" },
  { id: "machine", label: "Machine" },
  { id: "provision", label: "Provisioning" },
  { id: "link", label: "Link" },
  { id: "trader", label: "Traders" },
  { id: "budget", label: "Budget" },
  { id: "autostop", label: "Auto-stop" },
  { id: "watchdog", label: "Dead-man alerts" },
  { id: "token", label: "Token" },
];

/** Rows per page ("Load more" asks for the next page). */
export const PAGE = 50;

export function eventFilter(family: Family, actor: string, text: string, beforeId: number | null): EventFilter {
  const trimmed = text.trim();
  return {
    kind: family === "all" ? null : family,
    actor: actor === "" ? null : actor,
    text: trimmed === "" ? null : trimmed,
    beforeId,
    limit: PAGE,
  };
}
