// Virtual time. The simulation counts integer microseconds from 0; nothing here reads a clock.
// Microseconds, not milliseconds: a same-zone round trip is a fraction of a millisecond, and Kafka's
// own settings (all in ms) convert exactly. 2^53 µs is 285 years, so a JS number never loses a tick.

export type TimeUs = number;

export const US_PER_MS = 1_000;
export const US_PER_SECOND = 1_000_000;

export function msToUs(ms: number): TimeUs {
  return Math.round(ms * US_PER_MS);
}

export function secondsToUs(seconds: number): TimeUs {
  return Math.round(seconds * US_PER_SECOND);
}

export function usToMs(us: TimeUs): number {
  return us / US_PER_MS;
}

const DURATION_UNITS_US: ReadonlyMap<string, number> = new Map([
  ['us', 1],
  ['µs', 1],
  ['ms', US_PER_MS],
  ['s', US_PER_SECOND],
  ['m', 60 * US_PER_SECOND],
  ['h', 3_600 * US_PER_SECOND],
]);

export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)$/;

/**
 * Parses a human duration such as "90s", "15m", "250ms" or "1.5h" into microseconds.
 * Returns an error sentence instead of throwing so that validators can collect every problem.
 */
export function parseDuration(text: string): { ok: true; us: TimeUs } | { ok: false; error: string } {
  const match = DURATION_PATTERN.exec(text.trim());
  if (match === null) {
    return {
      ok: false,
      error: `"${text}" is not a duration; write a number and a unit, like "250ms", "90s", "15m" or "1h"`,
    };
  }
  const unitUs = DURATION_UNITS_US.get(match[2]!)!;
  return { ok: true, us: Math.round(Number(match[1]) * unitUs) };
}

/** Formats simulated time as a clock: "1:02:03.456" or "2:03.456" (minutes:seconds.millis). */
export function formatClock(us: TimeUs): string {
  const totalMs = Math.floor(us / US_PER_MS);
  const millis = totalMs % 1000;
  const totalSeconds = Math.floor(totalMs / 1000);
  const seconds = totalSeconds % 60;
  const totalMinutes = Math.floor(totalSeconds / 60);
  const minutes = totalMinutes % 60;
  const hours = Math.floor(totalMinutes / 60);
  const mmss = `${String(minutes).padStart(hours > 0 ? 2 : 1, '0')}:${String(seconds).padStart(2, '0')}`;
  const clock = `${mmss}.${String(millis).padStart(3, '0')}`;
  return hours > 0 ? `${hours}:${clock}` : clock;
}

/**
 * Formats a span for people with about three significant digits and no trailing zeros:
 * "420µs", "1.25ms", "3s", "3.2s", "4m 05s", "2h 00m". The unit steps up where rounding would
 * otherwise print "1000ms" or "60s".
 */
export function formatSpan(us: TimeUs): string {
  if (us < 999.5) return `${Math.round(us)}µs`;
  if (us < 999_500) return `${trimNumber(us / US_PER_MS)}ms`;
  if (us < 59_500_000) return `${trimNumber(us / US_PER_SECOND)}s`;
  const seconds = Math.round(us / US_PER_SECOND);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function trimNumber(value: number): string {
  const fixed = value >= 99.95 ? value.toFixed(0) : value >= 9.995 ? value.toFixed(1) : value.toFixed(2);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
