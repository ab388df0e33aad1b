// Auto-stop settings (idle period, running schedule) and the "Parked — reason" line.
import { useCallback, useEffect, useState } from "react";
import type { AutoStopView, Day, Schedule } from "../../bindings";
import { BackendError } from "../../backend/backend";
import { useBackend } from "../../backend/context";
import { ErrorNotice } from "../../components/ErrorNotice";

const DAYS: Day[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function toMinutes(hm: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(hm);
  if (m === null) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h > 23 || min > 59 ? null : h * 60 + min;
}

function toHm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function AutoStopPanel() {
  const backend = useBackend();
  const [view, setView] = useState<AutoStopView | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [idle, setIdle] = useState("");
  const [days, setDays] = useState<Day[]>([]);
  const [start, setStart] = useState("08:00");
  const [end, setEnd] = useState("22:00");

  const show = useCallback((v: AutoStopView) => {
    setView(v);
    setIdle(v.settings.idleMinutes === null ? "" : String(v.settings.idleMinutes));
    const s = v.settings.schedule;
    setDays(s?.days ?? []);
    if (s !== null) {
      setStart(toHm(s.startMinute));
      setEnd(toHm(s.endMinute));
    }
  }, []);

  useEffect(() => {
    backend.autostopGet().then(show, (e: unknown) => setError(BackendError.from(e)));
  }, [backend, show]);

  const save = async () => {
    const idleMinutes = idle.trim() === "" ? null : Number(idle);
    let schedule: Schedule | null = null;
    if (days.length > 0) {
      const s = toMinutes(start);
      const e = toMinutes(end);
      if (s === null || e === null) {
        setError(new BackendError({ code: "invalid_input", message: "times are HH:MM, 00:00–23:59", hint: null }));
        return;
      }
      schedule = { days, startMinute: s, endMinute: e, utcOffsetMinutes: -new Date().getTimezoneOffset() };
    }
    try {
      show(await backend.autostopSet({ idleMinutes, schedule }));
      setError(null);
    } catch (thrown) {
      setError(BackendError.from(thrown));
    }
  };

  const toggleDay = (d: Day) =>
    setDays((now) => (now.includes(d) ? now.filter((x) => x !== d) : DAYS.filter((x) => now.includes(x) || x === d)));

  return (
    <section className="panel" aria-labelledby="autostop-title" data-testid="autostop-panel">
      <h2 id="autostop-title">Auto-stop</h2>
      {view?.parked != null && (
        <p data-testid="machine-parked" role="status">
          Parked — {view.parked.text}
        </p>
      )}
      <label>
        Stop after minutes with no cloud trader (empty: never)
        <input
          data-testid="autostop-idle"
          type="number"
          min={1}
          value={idle}
          onChange={(e) => setIdle(e.target.value)}
        />
      </label>
      <fieldset>
        <legend>Run only on these days (none: no schedule)</legend>
        {DAYS.map((d) => (
          <label key={d}>
            <input
              type="checkbox"
              data-testid={`autostop-day-${d}`}
              checked={days.includes(d)}
              onChange={() => toggleDay(d)}
            />
            {d}
          </label>
        ))}
        <label>
          from
          <input data-testid="autostop-start" aria-label="Schedule start" value={start} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label>
          to
          <input data-testid="autostop-end" aria-label="Schedule end" value={end} onChange={(e) => setEnd(e.target.value)} />
        </label>
      </fieldset>
      {view?.scheduleText != null && <p className="muted" data-testid="autostop-schedule">Schedule: {view.scheduleText}</p>}
      <button type="button" data-testid="autostop-save" onClick={() => void save()}>
        Save auto-stop
      </button>
      {error !== null && <ErrorNotice error={error} testId="autostop-error" />}
    </section>
  );
}
