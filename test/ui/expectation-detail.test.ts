// An expectation's detail keeps its height while its numbers change (issue 7, item 9;
// docs/architecture.md, the seventeenth session): it is drawn over a copy whose digits are zeros and
// whose time spans carry at least one decimal, so a check on a whole second ("at 34s") and the next
// ("at 34.3s") wrap the same, and the lesson panel's scroll extent (or the event log below it) does
// not move, which asked Chromium for a full layerization of the page.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detailTemplate } from '../../src/ui/components/ScenarioPanel';

const scenarioPanel = readFileSync('src/ui/components/ScenarioPanel.tsx', 'utf8');

describe("an expectation's detail copy", () => {
  it('is the same for a span the runner trimmed and the next one', () => {
    const a = detailTemplate('held at every check so far (last: UnderReplicatedPartitions was 105 at 34s; expected < 150)');
    const b = detailTemplate('held at every check so far (last: UnderReplicatedPartitions was 117 at 34.3s; expected < 150)');
    expect(a).toBe(b);
    expect(a).toBe('held at every check so far (last: UnderReplicatedPartitions was 000 at 00.0s; expected < 000)');
  });

  it('keeps a longer fraction and every unit formatSpan writes', () => {
    expect(detailTemplate('at 5.25s')).toBe('at 0.00s');
    expect(detailTemplate('after 120ms and 7µs')).toBe('after 000.0ms and 0.0µs');
    expect(detailTemplate('held since 1m 05s: x was 2')).toBe('held since 0m 00.0s: x was 0');
  });

  it('is never shorter than the text, so the text drawn over it never wraps past it', () => {
    const texts = ['was 0 at 0s', 'was 1.5 at 12.25s', 'did not hold by 1m 30s: p99 was 12.125 at 90s', 'held since 999µs'];
    for (const text of texts) expect(detailTemplate(text).length, text).toBeGreaterThanOrEqual(text.length);
  });

  it('is what the detail is drawn over', () => {
    expect(scenarioPanel).toMatch(/<small className="expectation-detail">\s*<StableText text=\{detail\} template=\{detailTemplate\(detail\)\} \/>/);
  });
});
