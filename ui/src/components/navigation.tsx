// Lets any area open another one: `const navigate = useNavigate(); navigate("machine")`.
import { createContext, useContext, type ReactNode } from "react";
import type { AreaId } from "../areas/areas";

export type Navigate = (area: AreaId) => void;

const NavigationContext = createContext<Navigate | null>(null);

/** The app shell provides `navigate`; areas rendered alone (in tests) have none. */
export function NavigationProvider({ navigate, children }: { navigate: Navigate; children: ReactNode }) {
  return <NavigationContext.Provider value={navigate}>{children}</NavigationContext.Provider>;
}

/** Opens another area; `null` outside the app shell (callers then hide their links). */
export function useNavigate(): Navigate | null {
  return useContext(NavigationContext);
}
