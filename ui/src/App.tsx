// The app shell: navigation between the product's areas.
import { useState } from "react";
import { useBackend } from "./backend/context";
import { AREAS, type Area, type AreaId } from "./areas/areas";
import { ComingSoon } from "./areas/ComingSoon";
import { Dashboard } from "./areas/Dashboard";
import { Events } from "./areas/Events";
import { Machine } from "./areas/Machine";
import { Settings } from "./areas/Settings";
import { Signals } from "./areas/Signals";
import { Traders } from "./areas/Traders";
import { LinkIndicator } from "./components/LinkIndicator";
import { useReadySignal } from "./components/useReadySignal";

export function App({ initialArea = "dashboard" }: { initialArea?: AreaId }) {
  const backend = useBackend();
  const [current, setCurrent] = useState<AreaId>(initialArea);
  const area = AREAS.find((a) => a.id === current) ?? AREAS[0]!;
  useReadySignal();

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
        <LinkIndicator />
        {backend.kind === "mock" && (
          <p className="mock-banner" data-testid="mock-banner">
            Browser preview: in-memory backend, nothing is stored.
          </p>
        )}
      </nav>
      <main className="content">
        <AreaView area={area} />
      </main>
    </div>
  );
}

function AreaView({ area }: { area: Area }) {
  switch (area.id) {
    case "dashboard":
      return <Dashboard />;
    case "traders":
      return <Traders />;
    case "signals":
      return <Signals />;
    case "machine":
      return <Machine />;
    case "events":
      return <Events />;
    case "settings":
      return <Settings />;
    default:
      return <ComingSoon area={area} />;
  }
}
