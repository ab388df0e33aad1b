// Entry point: the Tauri backend inside the app, the in-memory mock in a plain browser.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { isTauri } from "@tauri-apps/api/core";
import { App } from "./App";
import { BackendProvider } from "./backend/context";
import { MockBackend } from "./backend/mock";
import { TauriBackend } from "./backend/tauri";
import "./styles.css";

const backend = isTauri() ? new TauriBackend() : new MockBackend();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BackendProvider backend={backend}>
      <App />
    </BackendProvider>
  </StrictMode>,
);
