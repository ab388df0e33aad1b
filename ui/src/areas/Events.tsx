// The Events area (placeholder until it is built).
import { AREAS } from "./areas";
import { ComingSoon } from "./ComingSoon";

export function Events() {
  return <ComingSoon area={AREAS.find((a) => a.id === "events")!} />;
}
