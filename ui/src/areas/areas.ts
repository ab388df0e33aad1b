// The product's areas, in navigation order.
export type AreaId = "dashboard" | "traders" | "signals" | "machine" | "events" | "settings" | "support";

export interface Area {
  id: AreaId;
  label: string;
}

export const AREAS: readonly Area[] = [
  { id: "dashboard", label: "Dashboard" },
  { id: "traders", label: "Traders" },
  { id: "signals", label: "Signals" },
  { id: "machine", label: "Machine" },
  { id: "events", label: "Events" },
  { id: "settings", label: "Settings" },
  { id: "support", label: "Support" },
];
