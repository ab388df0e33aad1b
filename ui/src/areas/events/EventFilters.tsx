// The Events area's filters: family (segmented), actor (select) and free text (debounced by
// the caller).
import { FAMILIES, type Family } from "./query";

const ACTORS: { value: string; label: string }[] = [
  { value: "", label: "Anyone" },
  { value: "gui", label: "Desktop app" },
  { value: "cli", label: "Command line" },
  { value: "fly", label: "Fly.io" },
];

export function EventFilters({
  family,
  actor,
  text,
  onFamily,
  onActor,
  onText,
}: {
  family: Family;
  actor: string;
  text: string;
  onFamily: (family: Family) => void;
  onActor: (actor: string) => void;
  onText: (text: string) => void;
}) {
  return (
    <div className="event-filters">
      <div className="segmented" role="radiogroup" aria-label="Event family">
        {FAMILIES.map((f) => (
          <button
            key={f.id}
            type="button"
            role="radio"
            aria-checked={f.id === family}
            data-testid={`events-family-${f.id}`}
            onClick={() => onFamily(f.id)}
          >
            {f.label}
          </button>
        ))}
      </div>
      <div className="event-filter-fields">
        <label className="sr-only" htmlFor="events-actor">
          Who
        </label>
        <select id="events-actor" data-testid="events-actor" value={actor} onChange={(e) => onActor(e.target.value)}>
          {ACTORS.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="events-search">
          Search events
        </label>
        <input
          id="events-search"
          data-testid="events-search"
          type="search"
          placeholder="Search kind and details…"
          value={text}
          onChange={(e) => onText(e.target.value)}
        />
      </div>
    </div>
  );
}
