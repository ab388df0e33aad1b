// One Tauri command call, with failures turned into `BackendError` ({code, message, hint}).
import { invoke } from "@tauri-apps/api/core";
import { BackendError } from "./backend";

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw BackendError.from(thrown);
  }
}
