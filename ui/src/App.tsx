// The app shell: navigation between the product's areas.
import { useState } from "react";
import { useBackend } from "./backend/context";
import { AREAS, type AreaId } from "./areas/areas";
import { ComingSoon } from "./areas/ComingSoon";
import { Machine } from "./areas/Machine";
import { Settings } from "./areas/Settings";

export function App({ initialArea = "dashboard" }: { initialArea?: AreaId }) {
  const backend = useBackend();
  const [current, setCurrent] = useState<AreaId>(initialArea);
  const area = AREAS.find((a) => a.id === current) ?? AREAS[0]!;

  return (
    <div className="shell">
      <nav aria-label="Main" className="nav">
        <div className="brand">
          <img src="/icon.png" alt="" width={28} height={28} />
          <span>TradeMind</span>
        </div>
        <ul>
          {AREAS.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                data-testid={`nav-${a.id}`}
                aria-current={a.id === current ? "page" : undefined}
                onClick={() => setCurrent(a.id)}
              >
                {a.label}
              </button>
            </li>
          ))}
        </ul>
        {backend.kind === "mock" && (
          <p className="mock-banner" data-testid="mock-banner">
            Browser preview: in-memory backend, nothing is stored.
          </p>
        )}
      </nav>
      <main className="content">
        {area.id === "settings" ? <Settings /> : area.id === "machine" ? <Machine /> : <ComingSoon area={area} />}
      </main>
    </div>
  );
}
