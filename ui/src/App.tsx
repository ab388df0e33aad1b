// The app shell: navigation between the product's areas (also offered to the areas through
// `useNavigate`), and the app-level machine operation that outlives the Machine area.
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
import { MachineOperationProvider } from "./areas/machine/operation";
import { DeadManBanner } from "./components/DeadManBanner";
import { LinkIndicator } from "./components/LinkIndicator";
import { NavigationProvider } from "./components/navigation";
import { useReadySignal } from "./components/useReadySignal";

export function App({ initialArea = "dashboard" }: { initialArea?: AreaId }) {
  const [current, setCurrent] = useState<AreaId>(initialArea);
  const area = AREAS.find((a) => a.id === current) ?? AREAS[0]!;
  useReadySignal();

  return (
    <NavigationProvider navigate={setCurrent}>
      <MachineOperationProvider>
        <Shell current={current} area={area} onOpen={setCurrent} />
      </MachineOperationProvider>
    </NavigationProvider>
  );
}

function Shell({ current, area, onOpen }: { current: AreaId; area: Area; onOpen: (id: AreaId) => void }) {
  const backend = useBackend();
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
                onClick={() => onOpen(a.id)}
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
        <DeadManBanner />
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
