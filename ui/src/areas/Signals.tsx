// The Signals area (placeholder until it is built).
import { AREAS } from "./areas";
import { ComingSoon } from "./ComingSoon";

export function Signals() {
  return <ComingSoon area={AREAS.find((a) => a.id === "signals")!} />;
}
