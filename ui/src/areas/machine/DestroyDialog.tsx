// Confirms Destroy: the user types the app's name (or, with no app name known, ticks an
// explicit confirmation). Escape or Cancel closes it without doing anything.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";

export function DestroyDialog({
  app,
  onConfirm,
  onCancel,
}: {
  app: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const [typed, setTyped] = useState("");
  const [ticked, setTicked] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    first.current?.focus();
  }, []);

  const confirmed = app === null ? ticked : typed.trim() === app;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
      return;
    }
    if (event.key !== "Tab" || dialog.current === null) return;
    // Keep Tab inside the dialog while it is open.
    const focusable = Array.from(
      dialog.current.querySelectorAll<HTMLElement>("input, button:not([disabled])"),
    );
    if (focusable.length === 0) return;
    const firstEl = focusable[0]!;
    const lastEl = focusable[focusable.length - 1]!;
    if (event.shiftKey && document.activeElement === firstEl) {
      event.preventDefault();
      lastEl.focus();
    } else if (!event.shiftKey && document.activeElement === lastEl) {
      event.preventDefault();
      firstEl.focus();
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (confirmed) onConfirm();
  };

  return (
    <div className="dialog-backdrop">
      <div
        ref={dialog}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="destroy-title"
        aria-describedby="destroy-what"
        data-testid="machine-destroy-dialog"
        onKeyDown={onKeyDown}
      >
        <h2 id="destroy-title">Destroy the machine?</h2>
        <p id="destroy-what">
          The machine and its data volume are deleted, and with the volume the agent's journal (signals, deployed
          traders). The app and its secrets are kept, so Start makes a new machine.
        </p>
        <form onSubmit={submit}>
          {app === null ? (
            <label className="check">
              <input
                ref={first}
                type="checkbox"
                data-testid="machine-destroy-check"
                checked={ticked}
                onChange={(e) => setTicked(e.target.checked)}
              />{" "}
              I understand the machine and its data are deleted
            </label>
          ) : (
            <>
              <label htmlFor="machine-destroy-input">
                Type the app name <code>{app}</code> to confirm
              </label>
              <input
                ref={first}
                id="machine-destroy-input"
                data-testid="machine-destroy-input"
                autoComplete="off"
                spellCheck={false}
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
              />
            </>
          )}
          <div className="dialog-buttons">
            <button type="button" data-testid="machine-destroy-cancel" onClick={onCancel}>
              Cancel
            </button>
            <button type="submit" className="danger" data-testid="machine-destroy-confirm" disabled={!confirmed}>
              Destroy
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
