// The Traders area (placeholder until it is built).
import { AREAS } from "./areas";
import { ComingSoon } from "./ComingSoon";

export function Traders() {
  return <ComingSoon area={AREAS.find((a) => a.id === "traders")!} />;
}
