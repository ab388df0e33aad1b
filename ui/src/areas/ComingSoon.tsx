// An area that is not built yet: says what will come, shows no data.
import type { Area } from "./areas";

export function ComingSoon({ area }: { area: Area }) {
  return (
    <section aria-labelledby={`${area.id}-title`} data-testid={`area-${area.id}`}>
      <h1 id={`${area.id}-title`}>{area.label}</h1>
      <p className="muted">Not built yet. This area will hold:</p>
      <ul>
        {(area.coming ?? []).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </section>
  );
}
