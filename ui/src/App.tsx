// The app shell: the owner's navigation between the product's areas (also offered to the areas
// through `useNavigate`) and the machine operation that outlives the Machine area — or, when the
// core runs in support mode, only the read-only support window.
import { useState } from "react";
import { useBackend } from "./backend/context";
import { AREAS, type Area, type AreaId } from "./areas/areas";
import { Dashboard } from "./areas/Dashboard";
import { Events } from "./areas/Events";
import { Machine } from "./areas/Machine";
import { Settings } from "./areas/Settings";
import { Signals } from "./areas/Signals";
import { Traders } from "./areas/Traders";
import { MachineOperationProvider } from "./areas/machine/operation";
import { BudgetBanner } from "./components/BudgetBanner";
import { DeadManBanner } from "./components/DeadManBanner";
import { LinkIndicator } from "./components/LinkIndicator";
import { NavigationProvider } from "./components/navigation";
import { useAppMode } from "./components/useAppMode";
import { SupportArea } from "./areas/SupportArea";
import { SupportWindow } from "./areas/support/SupportWindow";

export function App({ initialArea = "dashboard" }: { initialArea?: AreaId }) {
  const mode = useAppMode();
  // Nothing that calls an owner command renders before the mode is known: the support
  // window's capability does not grant them.
  if (mode === null) {
    return (
      <p className="muted loading app-loading" role="status" data-testid="app-loading">
        Starting TradeMind…
      </p>
    );
  }
  if (mode === "support") return <SupportWindow />;
  // A failed status read keeps the owner's app usable (it shows its own errors).
  return <OwnerApp initialArea={initialArea} />;
}

function OwnerApp({ initialArea }: { initialArea: AreaId }) {
  const [current, setCurrent] = useState<AreaId>(initialArea);
  const area = AREAS.find((a) => a.id === current) ?? AREAS[0]!;

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
        <BudgetBanner />
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
    case "support":
      return <SupportArea />;
  }
}
