// Colour vision arithmetic for the page's palette checks: sRGB hex to CIELAB, the colour-blind
// simulations of Machado, Oliveira and Fernandes (2009, "A physiologically-based model for
// simulation of color vision deficiency", severity 1.0 matrices, applied in linear RGB), and the
// CIEDE2000 colour difference (Sharma, Wu and Dalal 2005, whose test pairs the unit test checks).
// Pure: no DOM. Used by test/ui/colour-vision.test.ts over the CSS tokens and chart palettes.
//
// Never: decides what the palette is (styles.css and the charts do); it only measures it.

export type Vision = 'normal' | 'protanopia' | 'deuteranopia' | 'tritanopia';

export const VISIONS: readonly Vision[] = ['normal', 'protanopia', 'deuteranopia', 'tritanopia'];

type Matrix = readonly [readonly [number, number, number], readonly [number, number, number], readonly [number, number, number]];

/** Machado et al. 2009, Table 1, severity 1.0 (dichromacy). */
const MACHADO: Record<Exclude<Vision, 'normal'>, Matrix> = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

export type Rgb = readonly [number, number, number];
export type Lab = readonly [number, number, number];

/** "#0072b2" or "#07b" to 0..255 channels; anything else is refused with the value. */
export function hexToRgb(hex: string): Rgb {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(hex);
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (short !== null) return [parseInt(short[1]! + short[1]!, 16), parseInt(short[2]! + short[2]!, 16), parseInt(short[3]! + short[3]!, 16)];
  if (long !== null) return [parseInt(long[1]!, 16), parseInt(long[2]!, 16), parseInt(long[3]!, 16)];
  throw new Error(`colour "${hex}": expected #rgb or #rrggbb`);
}

function toLinear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Linear RGB (0..1) as a person with this vision sees the colour (clamped to the gamut). */
export function simulate(hex: string, vision: Vision): Rgb {
  const linear = hexToRgb(hex).map(toLinear) as unknown as Rgb;
  if (vision === 'normal') return linear;
  const m = MACHADO[vision];
  return m.map((row) => Math.min(1, Math.max(0, row[0] * linear[0] + row[1] * linear[1] + row[2] * linear[2]))) as unknown as Rgb;
}

/** Linear sRGB to CIELAB (D65 white). */
export function linearToLab([r, g, b]: Rgb): Lab {
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

const rad = (degrees: number) => (degrees * Math.PI) / 180;

/** CIEDE2000 (kL = kC = kH = 1), as Sharma et al. 2005 spell it out. */
export function deltaE2000([l1, a1, b1]: Lab, [l2, a2, b2]: Lab): number {
  const c1 = Math.hypot(a1, b1);
  const c2 = Math.hypot(a2, b2);
  const cMean7 = ((c1 + c2) / 2) ** 7;
  const g = 0.5 * (1 - Math.sqrt(cMean7 / (cMean7 + 25 ** 7)));
  const a1p = (1 + g) * a1;
  const a2p = (1 + g) * a2;
  const c1p = Math.hypot(a1p, b1);
  const c2p = Math.hypot(a2p, b2);
  const hue = (a: number, b: number) => (a === 0 && b === 0 ? 0 : ((Math.atan2(b, a) * 180) / Math.PI + 360) % 360);
  const h1p = hue(a1p, b1);
  const h2p = hue(a2p, b2);
  const dLp = l2 - l1;
  const dCp = c2p - c1p;
  let dhp = 0;
  if (c1p * c2p !== 0) {
    dhp = h2p - h1p;
    if (dhp > 180) dhp -= 360;
    else if (dhp < -180) dhp += 360;
  }
  const dHp = 2 * Math.sqrt(c1p * c2p) * Math.sin(rad(dhp / 2));
  const lMean = (l1 + l2) / 2;
  const cMeanP = (c1p + c2p) / 2;
  let hMean: number;
  if (c1p * c2p === 0) hMean = h1p + h2p;
  else if (Math.abs(h1p - h2p) <= 180) hMean = (h1p + h2p) / 2;
  else hMean = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
  const t = 1 - 0.17 * Math.cos(rad(hMean - 30)) + 0.24 * Math.cos(rad(2 * hMean)) + 0.32 * Math.cos(rad(3 * hMean + 6)) - 0.2 * Math.cos(rad(4 * hMean - 63));
  const dTheta = 30 * Math.exp(-(((hMean - 275) / 25) ** 2));
  const rc = 2 * Math.sqrt(cMeanP ** 7 / (cMeanP ** 7 + 25 ** 7));
  const sl = 1 + (0.015 * (lMean - 50) ** 2) / Math.sqrt(20 + (lMean - 50) ** 2);
  const sc = 1 + 0.045 * cMeanP;
  const sh = 1 + 0.015 * cMeanP * t;
  const rt = -Math.sin(rad(2 * dTheta)) * rc;
  return Math.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh));
}

/** How far apart two colours look to a person with this vision (CIEDE2000 of the simulations). */
export function distanceFor(vision: Vision, first: string, second: string): number {
  return deltaE2000(linearToLab(simulate(first, vision)), linearToLab(simulate(second, vision)));
}

/** The closest pair of a palette for this vision: what a minimum distance must be checked against. */
export function closestPair(vision: Vision, palette: ReadonlyMap<string, string>): { readonly names: readonly [string, string]; readonly distance: number } {
  const entries = [...palette.entries()];
  let best: { names: readonly [string, string]; distance: number } | null = null;
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const distance = distanceFor(vision, entries[i]![1], entries[j]![1]);
      if (best === null || distance < best.distance) best = { names: [entries[i]![0], entries[j]![0]], distance };
    }
  }
  if (best === null) throw new Error('a palette of fewer than two colours has no closest pair');
  return best;
}
