// Formatting for people: bytes, rates and the cloud cost of cross-zone traffic.

import { CROSS_ZONE_USD_PER_GB_EACH_WAY } from '../engine/metrics/pricing';

/** Cross-zone data transfer price assumed for cost figures (AWS: $0.01/GB in each direction), the engine's own (metrics/pricing.ts). */
export const CROSS_ZONE_USD_PER_GB = CROSS_ZONE_USD_PER_GB_EACH_WAY;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/**
 * An integer with thousands separators ("12,345"), as toLocaleString('en-US') writes it. One
 * formatter for the page: toLocaleString builds a new one per call, which cost a partitions panel
 * of 48 rows about a tenth of the page's main-thread time at 30 brokers (bench/page.ts profile).
 */
const INTEGER_FORMAT = new Intl.NumberFormat('en-US');

export function formatInteger(value: number): string {
  return INTEGER_FORMAT.format(value);
}

export function formatCount(count: number): string {
  if (count < 1_000) return String(Math.round(count));
  if (count < 1_000_000) return `${(count / 1_000).toFixed(count < 10_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(count < 10_000_000 ? 2 : 1)}M`;
}

/** Cost of cross-zone bytes, billed on both sides (out of one zone, into the other). */
export function crossZoneCostUsd(bytes: number): number {
  return (bytes / 1e9) * CROSS_ZONE_USD_PER_GB * 2;
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.000001) return '< $0.000001';
  if (usd < 0.01) return `$${usd.toFixed(6)}`;
  return `$${usd.toFixed(2)}`;
}

/** Partition numbers as runs: [0, 1, 2, 5, 7, 8] reads "0–2, 5, 7, 8" (a big group's member owns hundreds). */
export function formatRanges(sorted: readonly number[]): string {
  const runs: string[] = [];
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
    runs.push(end === start ? String(sorted[start]) : end === start + 1 ? `${sorted[start]}, ${sorted[end]}` : `${sorted[start]}–${sorted[end]}`);
    start = end + 1;
  }
  return runs.join(', ');
}
