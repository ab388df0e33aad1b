// Entry point: the Tauri backend inside the app, the in-memory mock in a plain browser
// (`?support` previews the support window, logged in, with live frames every 2 s).
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { isTauri } from "@tauri-apps/api/core";
import { App } from "./App";
import { BackendProvider } from "./backend/context";
import { MockBackend } from "./backend/mock";
import { TauriBackend } from "./backend/tauri";
import "./styles.css";

const supportPreview = new URLSearchParams(window.location.search).has("support");
const backend = isTauri()
  ? new TauriBackend()
  : new MockBackend(supportPreview ? { mode: "support", support: { loggedIn: true, tickMs: 2000 } } : {});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BackendProvider backend={backend}>
      <App />
    </BackendProvider>
  </StrictMode>,
);
