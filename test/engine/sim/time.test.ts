// Goal: durations typed by people parse to exact integer microseconds, bad ones come back with a
// sentence that says how to write them, and simulated time prints the way the UI shows it.
// Method: a table of inputs with their exact expected outputs, including unit edges and rounding.

import { describe, expect, it } from 'vitest';
import { formatClock, formatSpan, msToUs, parseDuration, secondsToUs, usToMs } from '../../../src/engine/sim/time';

describe('parseDuration', () => {
  it.each([
    ['10us', 10],
    ['10µs', 10],
    ['250ms', 250_000],
    ['90s', 90_000_000],
    ['15m', 900_000_000],
    ['1.5h', 5_400_000_000],
    ['0s', 0],
    ['0.5ms', 500],
    ['  90 s  ', 90_000_000],
    ['2.0004ms', 2_000], // 2000.4µs rounds to whole microseconds
  ])('reads %j as %i µs', (text, us) => {
    expect(parseDuration(text)).toEqual({ ok: true, us });
  });

  it.each(['', '90', 'ms', '-5s', '1e3ms', '5 sec', '1.5.2s', '.5s', '10d', '5S', 'NaNs'])('refuses %j with a helpful sentence', (text) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBe(`"${text}" is not a duration; write a number and a unit, like "250ms", "90s", "15m" or "1h"`);
    }
  });
});

describe('unit conversions', () => {
  it('converts ms and seconds to whole µs, and µs back to ms', () => {
    expect(msToUs(0.6)).toBe(600);
    expect(msToUs(1.0005)).toBe(1_001); // rounds half up
    expect(secondsToUs(2.5)).toBe(2_500_000);
    expect(usToMs(1_250)).toBe(1.25);
  });
});

describe('formatClock', () => {
  it.each([
    [0, '0:00.000'],
    [999, '0:00.000'], // below a millisecond truncates, never rounds up
    [2_003_456, '0:02.003'],
    [59_999_999, '0:59.999'],
    [60_000_000, '1:00.000'],
    [62_003_456, '1:02.003'],
    [3_599_999_999, '59:59.999'],
    [3_600_000_000, '1:00:00.000'],
    [3_723_456_789, '1:02:03.456'],
    [36_000_000_000, '10:00:00.000'],
  ])('shows %i µs as %s', (us, text) => {
    expect(formatClock(us)).toBe(text);
  });
});

describe('formatSpan', () => {
  it.each([
    [0, '0µs'],
    [420, '420µs'],
    [999, '999µs'],
    [999.6, '1ms'],
    [1_000, '1ms'],
    [1_250, '1.25ms'],
    [12_345, '12.3ms'],
    [123_456, '123ms'],
    // Rounding never prints "1000ms" or "60s": the unit steps up instead.
    [999_400, '999ms'],
    [999_999, '1s'],
    [1_000_000, '1s'],
    [3_200_000, '3.2s'],
    [45_500_000, '45.5s'],
    [59_999_999, '1m 00s'],
    [60_000_000, '1m 00s'],
    [245_000_000, '4m 05s'],
    [7_200_000_000, '2h 00m'],
  ])('shows %i µs as %s', (us, text) => {
    expect(formatSpan(us)).toBe(text);
  });
});
