// Support (owner side): how support can help without any write access — a read-only Fly
// token, the app name and machine id, the agent's viewer token from the CLI — what is audited, and
// how the owner ends that access (a new viewer token).
import { useEffect, useState } from "react";
import type { MachineStatus } from "../bindings";
import { BackendError } from "../backend/backend";
import { useBackend } from "../backend/context";
import { ErrorNotice } from "../components/ErrorNotice";
import { SupportLooks } from "./SupportLooks";
import { ViewerTokenPanel } from "./ViewerTokenPanel";

export function SupportArea() {
  const backend = useBackend();
  const [status, setStatus] = useState<MachineStatus | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [looksKey, setLooksKey] = useState(0);

  useEffect(() => {
    let live = true;
    backend.machineStatus().then(
      (s) => live && setStatus(s),
      (thrown: unknown) => live && setError(BackendError.from(thrown)),
    );
    return () => {
      live = false;
    };
  }, [backend]);

  return (
    <section aria-labelledby="support-title" data-testid="area-support">
      <h1 id="support-title">Support</h1>
      <div data-testid="support-area">
        <p>
          Support can look at your machine without being able to change anything: they see its state, configuration,
          Fly events, the agent's health, metrics, traders, signals and logs, and can write a diagnostics report with
          every secret redacted. Their TradeMind refuses every change in support mode.
        </p>

        <section className="panel" aria-labelledby="support-steps-title">
          <h2 id="support-steps-title">What to give support</h2>
          <ol className="support-steps">
            <li>
              A <strong>read-only</strong> Fly token: run <code>fly tokens create readonly</code> and send its output
              over a private channel. It cannot start, stop or change anything; revoke it with{" "}
              <code>fly tokens revoke</code> when you are done.
            </li>
            <li>
              Which machine is yours — your app name and machine id:
              <dl className="facts support-ids" data-testid="support-ids">
                <dt>App</dt>
                <dd data-testid="support-app-name">{status?.app ?? "not created yet"}</dd>
                <dt>Machine</dt>
                <dd data-testid="support-machine-id">{status?.machineId ?? "none"}</dd>
              </dl>
              Or the email of your Fly account: support can search by it.
            </li>
            <li>
              For live metrics, history and signals, the agent's <strong>viewer</strong> token: run{" "}
              <code>trademind machine viewer-token</code> in a terminal. It only reads; this window never shows tokens.
            </li>
            <li>
              Support then opens <code>trademind --support</code>, pastes both tokens and searches for your app.
            </li>
          </ol>
          {error !== null && <ErrorNotice error={error} testId="support-status-error" />}
        </section>

        <section className="panel" aria-labelledby="support-audit-title">
          <h2 id="support-audit-title">What is recorded</h2>
          <p>
            Your agent records every use of its viewer token, and this app copies those into your Events as{" "}
            <code>support.access</code> with actor <code>support</code> (every 5 minutes, and whenever you open the
            audit log from the command line) — so you see when support looked at the live agent or its history. On
            support's side every search, inspection, log read, live view and report is recorded too, and every change
            support tries is refused and recorded.
          </p>
        </section>

        <SupportLooks refreshKey={looksKey} />

        <ViewerTokenPanel
          status={status}
          onStatus={(next) => {
            setStatus(next);
            setLooksKey((k) => k + 1);
          }}
        />
      </div>
    </section>
  );
}
