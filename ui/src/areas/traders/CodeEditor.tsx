// The filter's code: a monospace textarea with a line-number gutter (problem lines marked);
// Tab inserts two spaces instead of leaving the field.
import { useRef, type KeyboardEvent, type RefObject } from "react";

export function CodeEditor({
  value,
  onChange,
  readOnly,
  badLines,
  textareaRef,
}: {
  value: string;
  onChange: (code: string) => void;
  readOnly: boolean;
  badLines: ReadonlySet<number>;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const count = value.split("\n").length;

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== "Tab" || readOnly || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
    event.preventDefault();
    const area = event.currentTarget;
    const { selectionStart: start, selectionEnd: end } = area;
    const next = `${value.slice(0, start)}  ${value.slice(end)}`;
    onChange(next);
    requestAnimationFrame(() => area.setSelectionRange(start + 2, start + 2));
  };

  return (
    <div className={`code-editor${readOnly ? " code-editor-readonly" : ""}`}>
      <div className="code-gutter" ref={gutter} aria-hidden="true" data-testid="trader-code-gutter">
        {Array.from({ length: count }, (_, i) => (
          <div key={i} className={badLines.has(i + 1) ? "gutter-bad" : undefined}>
            {i + 1}
          </div>
        ))}
      </div>
      <textarea
        ref={textareaRef}
        id="trader-code"
        data-testid="trader-code"
        className="code-text"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        readOnly={readOnly}
        value={value}
        rows={Math.min(Math.max(count + 1, 12), 28)}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (gutter.current !== null) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
}
