// Goal: a shared link reopens exactly what it names, and a link that does not read says which
// parameter, what it held and what was expected, then opens the default cluster. Method: read
// links as the page does (readPageParams, resolveLinkPayloads, setupFromLink) for every bad case,
// round-trip the payload codec with real CompressionStream, and damage payloads on purpose.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, PAYLOAD_TEXT_MAX_CHARS, SHARE_LINK_CHARS_MAX } from '../../src/ui/link-payload';
import { setupFromLink } from '../../src/ui/session-machine';
import { momentText, readPageParams, resolveLinkPayloads, shareLinkFor, type PageParams } from '../../src/ui/url-params';
import type { LibraryEntry } from '../../src/ui/library';

const zoneOutage = readFileSync('public/scenarios/zone-outage.json', 'utf8');
const library: LibraryEntry[] = [{ id: 'zone-outage', file: 'zone-outage.json', name: 'Zone outage', description: '', text: zoneOutage }];
const crash = { kind: 'crash', process: 'broker-2' };

async function open(search: string, hash = ''): Promise<{ params: PageParams; setup: ReturnType<typeof setupFromLink>['setup'] }> {
  const params = await resolveLinkPayloads(readPageParams(search, hash));
  return { params, setup: setupFromLink(params, library).setup };
}

/** The default cluster a broken link opens: free play, default seed, time zero. */
function expectDefaultCluster(setup: ReturnType<typeof setupFromLink>['setup']): void {
  expect(setup).toMatchObject({ kind: 'free', seed: 1 });
  expect('moment' in setup && setup.moment !== undefined).toBe(false);
}

describe('the payload codec', () => {
  it('round-trips a lesson file, shrinking it to under 60% even in base64url', async () => {
    const payload = await encodePayload(zoneOutage);
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(payload.length).toBeLessThan(zoneOutage.length * 0.6);
    expect(await decodePayload(payload)).toEqual({ ok: true, text: zoneOutage });
  });

  it('round-trips text beyond ASCII, and every length modulo 3 (base64url without padding)', async () => {
    for (const text of ['', 'a', 'ab', 'abc', 'é → ✓ 🙂 <img src=x onerror=alert(1)>']) {
      expect(await decodePayload(await encodePayload(text))).toEqual({ ok: true, text });
    }
    expect(await decodePayload('')).toEqual({ ok: false, error: 'it is empty' });
  });

  it('names what is wrong with a cut, edited, foreign or oversized payload', async () => {
    const payload = await encodePayload(zoneOutage);
    expect(await decodePayload(payload.slice(0, payload.length - 7))).toMatchObject({ ok: false, error: expect.stringContaining('not compressed data this page wrote') });
    expect(await decodePayload(`${payload.slice(0, 10)}+${payload.slice(11)}`)).toEqual({ ok: false, error: expect.stringContaining('"+", which base64url never writes') });
    expect(await decodePayload('abcde')).toEqual({ ok: false, error: expect.stringContaining('its length cannot be base64url') });
    // Valid deflate of bytes that are not UTF-8.
    const latin1 = Buffer.from(await new Response(new Blob([new Uint8Array([0xff, 0xfe, 0xfd])]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer()).toString('base64url');
    expect(await decodePayload(latin1)).toEqual({ ok: false, error: 'it does not hold UTF-8 text' });
    // A small link that inflates past the bound is refused before it fills memory.
    const bomb = await encodePayload('x'.repeat(PAYLOAD_TEXT_MAX_CHARS * 4 + 10));
    expect(bomb.length).toBeLessThan(3_000);
    expect(await decodePayload(bomb)).toEqual({ ok: false, error: expect.stringContaining('inflates to more than') });
  });
});

describe('a shared link', () => {
  it('writes the moment in ms with µs exactness and reads it back', () => {
    expect(momentText(12_500_250)).toBe('12500.25');
    expect(momentText(7_000_000)).toBe('7000');
    expect(momentText(1)).toBe('0.001');
    expect(readPageParams('?t=12500.25&events=48213').moment).toEqual({ atUs: 12_500_250, events: 48_213 });
    expect(readPageParams('?t=0').moment).toEqual({ atUs: 0, events: null });
  });

  it('reopens a lesson at the moment, with the actions taken up to it', async () => {
    const shared = { scenario: 'zone-outage', edited: null, seed: 7, atUs: 12_500_250, events: 48_213, actions: [{ atUs: 3_000_000, events: 900, fault: crash }] };
    const made = await shareLinkFor('http://x/', shared, SHARE_LINK_CHARS_MAX);
    if (!made.ok) throw new Error(made.error);
    const url = new URL(made.link);
    const { params, setup } = await open(url.search, url.hash);
    expect(params.problems).toEqual([]);
    expect(setup).toEqual({
      kind: 'scenario',
      id: 'zone-outage',
      text: zoneOutage,
      seed: 7,
      moment: { atUs: 12_500_250, events: 48_213, inputs: [{ atUs: 3_000_000, events: 900, fault: crash }] },
    });
  });

  it('carries an edited scenario as its text, not its library id', async () => {
    const edited = zoneOutage.replace('"seed"', '"description": "mine", "seed"');
    const made = await shareLinkFor('http://x/', { scenario: 'zone-outage', edited, seed: 3, atUs: 0, events: 0, actions: [] }, SHARE_LINK_CHARS_MAX);
    if (!made.ok) throw new Error(made.error);
    expect(made.link).not.toContain('scenario=');
    const url = new URL(made.link);
    const { setup } = await open(url.search, url.hash);
    expect(setup).toMatchObject({ kind: 'scenario', id: null, text: edited, seed: 3, moment: { atUs: 0, events: 0, inputs: [] } });
  });

  it('refuses to hand out a link too long to travel, and says why', async () => {
    const huge = JSON.stringify({ name: 'long', captions: Array.from({ length: 4_000 }, (_, i) => `${i}-${(i * 7919) % 10_007}`) });
    const made = await shareLinkFor('http://x/', { scenario: null, edited: huge, seed: 1, atUs: 0, events: 0, actions: [] }, SHARE_LINK_CHARS_MAX);
    expect(made).toEqual({ ok: false, error: expect.stringMatching(/would be [\d,]+ characters long, more than the 8,000 .*\(RFC 9110/) });
  });
});

describe('a link that does not read opens the default cluster and names the parameter, the value and what is expected', () => {
  const cases: [string, string, string, RegExp][] = [
    ['an unknown scenario', '?scenario=no-such-lesson', '', /scenario "no-such-lesson" is not in the library \(lessons: zone-outage\)/],
    ['a seed that is not a number', '?seed=banana', '', /seed "banana" is not a whole number from 0 to 4294967295/],
    ['a negative seed', '?seed=-1', '', /seed "-1" is not a whole number/],
    ['a seed past 2^32-1', '?seed=4294967296', '', /seed "4294967296" is not a whole number/],
    ['a moment that is not a time', '?t=12s', '', /moment t "12s" is not a simulated time; expected milliseconds from 0 to 86400000/],
    ['a moment finer than a µs', '?t=1.0001', '', /moment t "1.0001" is not a simulated time/],
    ['a negative moment', '?t=-5', '', /moment t "-5"/],
    ['a moment past a day', '?t=86400001', '', /moment t "86400001"/],
    ['an event count that is not a count', '?t=10&events=many', '', /event count events "many" is not a count/],
    ['an event count without a moment', '?events=10', '', /event count events "10" comes without a moment/],
    ['a lesson and edited text at once', '?scenario=zone-outage', '#text=AwA', /scenario "zone-outage" comes with an edited scenario \(#text=\) too/],
    ['actions without a moment', '?scenario=zone-outage', '#actions=abc', /actions "abc" come without a moment/],
    ['a damaged edited scenario', '?t=0', '#text=%2B%2B%2B', /edited scenario #text "\+\+\+" does not read: it holds "\+"/],
    ['a cut edited scenario', '?t=0', '#text=abcde', /edited scenario #text "abcde" does not read: its length cannot be base64url/],
  ];
  for (const [what, search, hash, message] of cases) {
    it(what, async () => {
      const { params, setup } = await open(search, hash);
      const problems = [...params.problems, ...setupFromLink(params, library).problems];
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
      expect(problems[0]).toMatch(/The default cluster is open instead/);
      expectDefaultCluster(setup);
    });
  }

  it('damaged actions: not a list, out of order, after the moment, or a fault the engine does not know', async () => {
    const bad: [unknown, RegExp][] = [
      [{ atUs: 0 }, /expected a list of actions/],
      [[{ atUs: 2, events: 5, fault: crash }, { atUs: 1, events: 6, fault: crash }], /actions\[1\]: it comes before actions\[0\]/],
      [[{ atUs: 20_000_000, events: 5, fault: crash }], /actions\[0\]\.atUs: got 20000000; expected whole µs from 0 to the moment's 10000000/],
      [[{ atUs: 1, events: 99_999, fault: crash }], /actions\[0\]\.events: got 99999; expected a whole event count from 0 to the moment's 500/],
      [[{ atUs: 1, events: 5, fault: { kind: 'explode', process: 'broker-1' } }], /actions\[0\]\.fault: .*kind/],
    ];
    for (const [actions, message] of bad) {
      const payload = await encodePayload(JSON.stringify(actions));
      const { params, setup } = await open('?scenario=zone-outage&t=10000&events=500', `#actions=${payload}`);
      expect(params.problems).toHaveLength(1);
      expect(params.problems[0]).toMatch(message);
      expectDefaultCluster(setup);
    }
  });

  it('an edited scenario that reads but would not run: its validator problems, by path', async () => {
    const payload = await encodePayload(zoneOutage.replace('"duration": "40s"', '"duration": "forty"'));
    const { params, setup } = await open('?t=0', `#text=${payload}`);
    expect(params.problems).toEqual([expect.stringMatching(/edited scenario #text ".*" reads, but is not a valid scenario \(duration: got "forty"; expected a duration/)]);
    expectDefaultCluster(setup);
  });

  it('a good link has no problems and keeps what it names', async () => {
    const { params, setup } = await open('?scenario=zone-outage&seed=9');
    expect(params.problems).toEqual([]);
    expect(setup).toEqual({ kind: 'scenario', id: 'zone-outage', text: zoneOutage, seed: 9 });
  });
});
