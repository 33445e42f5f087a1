/**
 * How many partitions a consumer card lists: "orders: partitions 0–2, 5, 7, 8" is 6 (the card
 * writes runs of three or more as a range, formatRanges in src/ui/format.ts).
 */
export function partitionsListed(text: string | null): number {
  const list = /partitions? ([\d, –]+)/.exec(text ?? '')?.[1] ?? '';
  let count = 0;
  for (const part of list.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const [from, to] = trimmed.split('–').map(Number);
    count += to === undefined ? 1 : to! - from! + 1;
  }
  return count;
}
