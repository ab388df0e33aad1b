// The product's areas, in navigation order, with what each will hold until it is built.
export type AreaId = "dashboard" | "traders" | "signals" | "machine" | "events" | "settings" | "support";

export interface Area {
  id: AreaId;
  label: string;
  /** For areas not built yet: what will come, in the user's words. */
  coming?: string[];
}

export const AREAS: readonly Area[] = [
  { id: "dashboard", label: "Dashboard" },
  {
    id: "traders",
    label: "Traders",
    coming: [
      "Built-in and your own traders (JavaScript filter + strategy) as cards, with a code editor, validation and a dry run on recorded data.",
      "A cloud toggle per trader to deploy it to your machine, with Local / Cloud / Deploying / Error badges.",
    ],
  },
  {
    id: "signals",
    label: "Signals",
    coming: [
      "A live feed of signals from the cloud and local screening, with the AI decision and confidence.",
      "Filters by trader, symbol and source, and a detail view with the candles and indicators that fired it.",
    ],
  },
  { id: "machine", label: "Machine" },
  { id: "events", label: "Events" },
  { id: "settings", label: "Settings" },
  {
    id: "support",
    label: "Support",
    coming: [
      "Read-only inspection of a user's machine with a read-only Fly token: state, config, events, health, metrics and logs.",
      "A diagnostics report with every secret redacted.",
    ],
  },
];
