// In-memory stand-in for the live group (see `apis.ts`), for unit tests and the browser
// preview. Not built yet: every call fails as `internal`.
import type { LiveApi } from "./apis";
import { BackendError } from "./backend";

function notBuilt(what: string): never {
  throw new BackendError({ code: "internal", message: `${what} is not in the browser preview yet`, hint: null });
}

export class MockLive implements LiveApi {
  watchLink = async () => notBuilt("the live link");
  reconnect = async () => notBuilt("the live link");
  watchDashboard = async () => notBuilt("the dashboard");
  events = async () => notBuilt("events");
}
