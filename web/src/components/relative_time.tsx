// "3 min ago", with the exact time on hover and for screen readers (the <time> element).
import { useEffect, useState } from "preact/hooks";

const kUnits: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];
const kFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function relativeTime(date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  for (const [unit, size] of kUnits) {
    if (Math.abs(seconds) >= size || unit === "second") return kFormat.format(Math.round(seconds / size), unit);
  }
  return "";
}

// One clock for every timestamp on the page (a long conversation shows hundreds), ticking
// only while some are shown; it refreshes the wording, nothing is fetched.
const kTickMs = 30_000;
const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    listeners.add(setNow);
    timer ??= setInterval(() => listeners.forEach((listener) => listener(Date.now())), kTickMs);
    return () => {
      listeners.delete(setNow);
      if (listeners.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
  return now;
}

export function RelativeTime({ value }: { value: string | undefined }) {
  const now = useNow();
  if (!value) return <span>—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span>{value}</span>;
  return (
    <time dateTime={value} title={date.toLocaleString()}>
      {relativeTime(date, now)}
    </time>
  );
}
