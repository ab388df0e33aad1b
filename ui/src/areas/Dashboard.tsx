// The Dashboard area (placeholder until it is built).
import { AREAS } from "./areas";
import { ComingSoon } from "./ComingSoon";

export function Dashboard() {
  return <ComingSoon area={AREAS.find((a) => a.id === "dashboard")!} />;
}
