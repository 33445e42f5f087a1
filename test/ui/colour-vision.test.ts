// Goal: the page's state colours and chart series stay distinguishable for people with the three
// dichromacies, and no state is told by colour alone. Method: read the colours from where the page
// takes them (styles.css's tokens, timeline.css's lanes, the charts' palettes in their sources),
// simulate each vision with Machado et al. 2009's matrices, and require every pair of one palette
// to be at least COLOUR_DISTANCE_MIN apart in CIEDE2000. The arithmetic is checked against
// Sharma, Wu and Dalal's published CIEDE2000 test pairs first.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { closestPair, deltaE2000, distanceFor, hexToRgb, linearToLab, simulate, VISIONS } from '../../src/ui/colour-vision';

/**
 * The least CIEDE2000 distance two states may have under any vision. About 1 is a just-noticeable
 * difference side by side; 10 keeps small marks (a chip's swatch, a 2 px line) apart at a glance.
 */
const COLOUR_DISTANCE_MIN = 10;

const css = readFileSync('src/ui/styles.css', 'utf8');
const timelineCss = readFileSync('src/ui/components/timeline.css', 'utf8');

function token(name: string): string {
  const match = new RegExp(`${name}:\\s*(#[0-9a-fA-F]{3,6})\\s*;`).exec(css);
  if (match === null) throw new Error(`styles.css has no colour token ${name}`);
  return match[1]!;
}

/** The hex colours a source file declares in the lines that match `declaration`. */
function hexesIn(path: string, declaration: RegExp): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => declaration.test(line))
    .flatMap((line) => line.match(/#[0-9a-fA-F]{6}\b/g) ?? []);
}

const palettes: Record<string, Map<string, string>> = {
  'replica states': new Map(['--state-leader', '--state-in-sync', '--state-out-of-isr', '--state-offline'].map((name) => [name, token(name)])),
  alarms: new Map(['--good', '--warn', '--bad'].map((name) => [name, token(name)])),
  'timeline lanes': new Map(
    [...timelineCss.matchAll(/\.tl-kind-([a-z]+) \.tl-glyph \{\s*background: (#[0-9a-fA-F]{3,6});/g)]
      // The check lane shares the ISR lane's green: a different glyph (✓ vs ⇣) and lane tell them apart.
      .filter(([, kind]) => kind !== 'check')
      .map(([, kind, colour]) => [kind!, colour!]),
  ),
  'single-view chart series': new Map(hexesIn('src/ui/components/MetricsPanel.tsx', /^const [A-Z]+ = '#/).map((hex) => [hex, hex])),
  'compare chart series': new Map(hexesIn('src/ui/components/CompareCharts.tsx', /^\s*\['#[0-9a-f]{6}', '#/).map((hex) => [hex, hex])),
};

describe('the colour arithmetic', () => {
  it("CIEDE2000 gives Sharma, Wu and Dalal's published differences", () => {
    // Pairs 1, 7, 13, 17 and 25 of their Table 1.
    expect(deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 4);
    expect(deltaE2000([50, 0, 0], [50, -1, 2])).toBeCloseTo(2.3669, 4);
    expect(deltaE2000([50, 2.49, -0.001], [50, -2.49, 0.0011])).toBeCloseTo(7.2195, 4);
    expect(deltaE2000([50, 2.5, 0], [73, 25, -18])).toBeCloseTo(27.1492, 4);
    expect(deltaE2000([60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387])).toBeCloseTo(1.2644, 4);
  });

  it('reads hex colours and refuses anything else, naming it', () => {
    expect(hexToRgb('#0072b2')).toEqual([0, 114, 178]);
    expect(hexToRgb('#fff')).toEqual([255, 255, 255]);
    expect(() => hexToRgb('blue')).toThrow('colour "blue": expected #rgb or #rrggbb');
  });

  it('the simulations collapse the confusion each dichromacy is known for', () => {
    // Pure red and green: far apart for a normal eye, close for a deuteranope or a protanope.
    expect(distanceFor('normal', '#ff0000', '#00ff00')).toBeGreaterThan(80);
    expect(distanceFor('deuteranopia', '#d00000', '#7a7a00')).toBeLessThan(distanceFor('normal', '#d00000', '#7a7a00') / 2);
    // Blue and green for a tritanope; red and blue stay apart for them.
    expect(distanceFor('tritanopia', '#0000ff', '#00a0a0')).toBeLessThan(distanceFor('normal', '#0000ff', '#00a0a0'));
    // White stays white (the matrices' rows sum to 1).
    for (const vision of VISIONS) expect(linearToLab(simulate('#ffffff', vision))[0]).toBeCloseTo(100, 0);
  });

  it('the old --warn (#b8860b) beside --bad is the failure this test exists to catch', () => {
    expect(distanceFor('deuteranopia', '#b8860b', token('--bad'))).toBeLessThan(COLOUR_DISTANCE_MIN);
  });
});

describe('the page palette survives colour blindness', () => {
  for (const [name, palette] of Object.entries(palettes)) {
    it(`${name}: every two at least ${COLOUR_DISTANCE_MIN} CIEDE2000 apart for normal, protan, deutan and tritan vision`, () => {
      expect(palette.size).toBeGreaterThanOrEqual(2);
      for (const vision of VISIONS) {
        const closest = closestPair(vision, palette);
        expect({ vision, pair: closest.names, ok: closest.distance >= COLOUR_DISTANCE_MIN }).toEqual({ vision, pair: closest.names, ok: true });
      }
    });
  }

  it('the state tokens are used by the page (a swatch beside the state word), not only declared', () => {
    for (const name of palettes['replica states']!.keys()) expect(css).toContain(`var(${name})`);
  });
});

describe('no state is told by colour alone', () => {
  it('every replica state chip carries a word, and every timeline lane a glyph', () => {
    const panel = readFileSync('src/ui/components/PartitionsPanel.tsx', 'utf8');
    // The chip's text is the state's word (Leader, In sync, Out of ISR, Offline).
    for (const word of ['leader', 'in sync', 'out of isr', 'offline']) expect(panel.toLowerCase()).toContain(word);
    const timeline = readFileSync('src/ui/components/Timeline.tsx', 'utf8');
    for (const kind of palettes['timeline lanes']!.keys()) expect(timeline).toMatch(new RegExp(`${kind}:\\s*\\{[^}]*glyph:`));
  });
});
