// An on/off switch (role="switch", aria-checked) with an optional reason it is disabled.
export function Switch({
  checked,
  onChange,
  label,
  testId,
  disabled = false,
  disabledReason = null,
  busy = false,
}: {
  checked: boolean;
  onChange: (next: boolean) => void;
  label: string;
  testId: string;
  disabled?: boolean;
  disabledReason?: string | null;
  busy?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={checked}
      aria-label={label}
      aria-busy={busy}
      data-testid={testId}
      disabled={disabled}
      title={disabled && disabledReason !== null ? disabledReason : label}
      onClick={() => onChange(!checked)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
    </button>
  );
}
