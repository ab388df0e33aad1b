// In-memory stand-ins for the traders, signals and local groups (see `apis.ts`), for
// unit tests and the browser preview. Not built yet: every call fails as `internal`.
import type { LocalApi, SignalsApi, TradersApi } from "./apis";
import { BackendError } from "./backend";

function notBuilt(what: string): never {
  throw new BackendError({ code: "internal", message: `${what} is not in the browser preview yet`, hint: null });
}

export class MockTraders implements TradersApi {
  list = async () => notBuilt("traders");
  check = async () => notBuilt("traders");
  save = async () => notBuilt("traders");
  remove = async () => notBuilt("traders");
  setEnabled = async () => notBuilt("traders");
  setCloud = async () => notBuilt("traders");
  resolveConflict = async () => notBuilt("traders");
  importJson = async () => notBuilt("traders");
  exportJson = async () => notBuilt("traders");
}

export class MockSignals implements SignalsApi {
  list = async () => notBuilt("signals");
  watch = async () => notBuilt("signals");
  detail = async () => notBuilt("signals");
}

export class MockLocal implements LocalApi {
  status = async () => notBuilt("local screening");
  start = async () => notBuilt("local screening");
  stop = async () => notBuilt("local screening");
}
