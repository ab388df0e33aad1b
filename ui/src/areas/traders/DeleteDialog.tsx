// Confirms deleting a user trader; Escape or Cancel closes it without doing anything.
import { useEffect, useRef, type KeyboardEvent } from "react";

export function DeleteDialog({ name, onConfirm, onCancel }: { name: string; onConfirm: () => void; onCancel: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    }
  };
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="trader-delete-title"
        data-testid="trader-delete-dialog"
        onKeyDown={onKeyDown}
      >
        <h2 id="trader-delete-title">Delete “{name}”?</h2>
        <p>The trader is removed from this computer and, if it runs there, from the cloud. Export it first to keep a copy.</p>
        <div className="dialog-buttons">
          <button ref={cancel} type="button" data-testid="trader-delete-cancel" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger" data-testid="trader-delete-confirm" onClick={onConfirm}>
            Delete
          </button>
        </div>
      </div>
    </div>
  );
}
