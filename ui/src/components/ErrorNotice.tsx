// Shows a failed operation: what happened (message) and what to do (hint).
import type { BackendError } from "../backend/backend";

export function ErrorNotice({ error, testId }: { error: BackendError; testId: string }) {
  return (
    <div className="error" role="alert" data-testid={testId} data-code={error.code}>
      <p className="error-message" data-testid={`${testId}-message`}>
        {error.message}
      </p>
      {error.hint !== null && (
        <p className="error-hint" data-testid={`${testId}-hint`}>
          {error.hint}
        </p>
      )}
    </div>
  );
}
