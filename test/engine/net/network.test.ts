// Goal: the network model computes arrival times the way its header promises (NIC serialization,
// latency by zone, jitter that never reorders a directed link), applies each fault to exactly the
// links it names, and counts bytes per zone pair the way a cloud bill would.
// Method: a Network driven directly through route() with jitter off, so that every arrival time is
// hand arithmetic on the settings below; jitter and loss are checked statistically on fixed seeds;
// the one behaviour that needs the kernel (a partition that starts while a message is in flight)
// runs through a Kernel with a tiny process.

import { describe, expect, it } from 'vitest';
import { Network, REGIONAL, Refusal, type NetworkConfig, type NetworkFault } from '../../../src/engine/net/network';
import { Kernel } from '../../../src/engine/sim/kernel';
import type { Effects, Message, ProcessLogic } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';

const INTRA_US = 100;
const CROSS_US = 600;
const REGIONAL_US = 500;

const BASE: NetworkConfig = {
  zones: ['zone-a', 'zone-b', 'zone-c'],
  intraZoneLatencyUs: INTRA_US,
  crossZoneLatencyUs: CROSS_US,
  regionalLatencyUs: REGIONAL_US,
  jitterUs: 0,
  nicBytesPerSecond: 1_000_000_000, // 1,000 bytes take 1µs
  lossPerMillion: 0,
};

/** Endpoints a1, a2 in zone-a, b1, b2 in zone-b, c1 in zone-c, and the object store s. */
const LAYOUT: readonly (readonly [string, string])[] = [
  ['a1', 'zone-a'],
  ['a2', 'zone-a'],
  ['b1', 'zone-b'],
  ['b2', 'zone-b'],
  ['c1', 'zone-c'],
  ['s', REGIONAL],
];

function makeNetwork(overrides: Partial<NetworkConfig> = {}, seed = 1): { network: Network; at: (id: string) => number } {
  const network = new Network({ ...BASE, ...overrides }, new Prng(seed).fork('network'));
  const indexById = new Map<string, number>();
  for (const [id, zone] of LAYOUT) indexById.set(id, network.addEndpoint(id, zone));
  return { network, at: (id) => indexById.get(id)! };
}

/** Arrival time of a 1,000-byte message sent now, or the Refusal. */
function send(network: Network, at: (id: string) => number, from: string, to: string, nowUs = 0, bytes = 1_000): number {
  return network.route(at(from), at(to), bytes, nowUs);
}

/** Arrival minus send time for a fresh 1,000-byte message from `from` to `to` on an idle network. */
function delayOf(network: Network, at: (id: string) => number, from: string, to: string, nowUs: number): number {
  const arrival = send(network, at, from, to, nowUs);
  return arrival < 0 ? arrival : arrival - nowUs;
}

describe('latency by zone', () => {
  it('is intra-zone, cross-zone or regional, plus the NIC time', () => {
    const { network, at } = makeNetwork();
    expect(delayOf(network, at, 'a1', 'a2', 0)).toBe(1 + INTRA_US);
    expect(delayOf(network, at, 'a1', 'b1', 1_000)).toBe(1 + CROSS_US);
    expect(delayOf(network, at, 'b1', 's', 2_000)).toBe(1 + REGIONAL_US);
    expect(delayOf(network, at, 's', 'c1', 3_000)).toBe(1 + REGIONAL_US);
    expect(network.zoneOf('s')).toBe(REGIONAL);
    expect(network.zoneOf('b2')).toBe('zone-b');
  });

  it('adds jitter drawn from [0, jitterUs]', () => {
    const { network, at } = makeNetwork({ jitterUs: 50 });
    const extra = new Set<number>();
    // Messages 1ms apart, so the FIFO rule never holds one back: each delay is latency plus jitter.
    for (let i = 0; i < 2_000; i++) extra.add(delayOf(network, at, 'a1', 'a2', i * 1_000) - 1 - INTRA_US);
    expect(Math.min(...extra)).toBe(0);
    expect(Math.max(...extra)).toBe(50);
    expect(extra.size).toBe(51);
  });
});

describe('FIFO per directed link', () => {
  it('never lets a later message overtake an earlier one on the same link, whatever the jitter', () => {
    const { network, at } = makeNetwork({ jitterUs: 500 });
    const pacing = new Prng(99, 'pacing');
    let nowUs = 0;
    let previous = -1;
    let clamped = 0;
    const delays = new Set<number>();
    for (let i = 0; i < 3_000; i++) {
      nowUs += pacing.int(3); // 0, 1 or 2µs apart: jitter of up to 500µs would reorder freely
      const arrival = send(network, at, 'a1', 'b1', nowUs);
      expect(arrival, `message ${i}`).toBeGreaterThanOrEqual(previous);
      if (arrival === previous) clamped++;
      delays.add(arrival - nowUs);
      previous = arrival;
    }
    // The property was exercised: the jitter varied and the FIFO rule had to hold messages back.
    expect(delays.size).toBeGreaterThan(100);
    expect(clamped).toBeGreaterThan(100);
  });

  it('orders each direction of each link on its own: a slow link holds back no other link', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'slow-link', from: 'a1', to: 'a2', extraLatencyUs: 10_000, bothWays: false });
    expect(send(network, at, 'a1', 'a2', 0)).toBe(1 + INTRA_US + 10_000);
    expect(send(network, at, 'a2', 'a1', 10)).toBe(10 + 1 + INTRA_US);
    expect(send(network, at, 'a1', 'b1', 20)).toBe(20 + 1 + CROSS_US);
    // The same direction is still held back behind its slow first message.
    network.heal();
    expect(send(network, at, 'a1', 'a2', 30)).toBe(1 + INTRA_US + 10_000);
  });
});

describe('NIC serialization', () => {
  it('sends big messages back to back, spaced by bytes / bandwidth, on every link of the sender', () => {
    const { network, at } = makeNetwork({ nicBytesPerSecond: 1_000_000 }); // 1 byte per µs
    const bytes = 10_000;
    expect(send(network, at, 'a1', 'a2', 0, bytes)).toBe(10_000 + INTRA_US);
    expect(send(network, at, 'a1', 'a2', 0, bytes)).toBe(20_000 + INTRA_US);
    expect(send(network, at, 'a1', 'b1', 0, bytes)).toBe(30_000 + CROSS_US); // same NIC, other link
    // Another sender's NIC is free.
    expect(send(network, at, 'a2', 'a1', 0, bytes)).toBe(10_000 + INTRA_US);
    // Once the queue has drained, a message leaves as soon as it is sent.
    expect(send(network, at, 'a1', 'a2', 100_000, bytes)).toBe(100_000 + 10_000 + INTRA_US);
  });

  it('rounds partial microseconds up', () => {
    const { network, at } = makeNetwork({ nicBytesPerSecond: 3_000_000 }); // 3 bytes per µs
    expect(send(network, at, 'a1', 'a2', 0, 10)).toBe(4 + INTRA_US); // 3.33µs on the wire
  });
});

describe('partitions', () => {
  it('isolate-process blocks both ways and only that process; heal restores it', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'isolate-process', process: 'a1' });
    expect(send(network, at, 'a1', 'a2')).toBe(Refusal.Partitioned);
    expect(send(network, at, 'b1', 'a1')).toBe(Refusal.Partitioned);
    expect(send(network, at, 'a1', 's')).toBe(Refusal.Partitioned);
    expect(network.canReach(at('a2'), at('a1'))).toBe(false);
    expect(delayOf(network, at, 'a2', 'b1', 0)).toBe(1 + CROSS_US);
    expect(network.isIsolated('a1')).toBe(true);
    expect(network.isIsolated('a2')).toBe(false);
    expect(network.stats().droppedByPartition).toBe(3);
    expect(network.heal('a1')).toBe(1);
    expect(network.isIsolated('a1')).toBe(false);
    expect(network.canReach(at('a2'), at('a1'))).toBe(true);
    expect(delayOf(network, at, 'a1', 'a2', 1_000)).toBe(1 + INTRA_US);
  });

  it('isolate-zone blocks traffic across the zone boundary but not inside the zone', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'isolate-zone', zone: 'zone-b' });
    expect(send(network, at, 'a1', 'b1')).toBe(Refusal.Partitioned);
    expect(send(network, at, 'b2', 'c1')).toBe(Refusal.Partitioned);
    expect(delayOf(network, at, 'b1', 'b2', 0)).toBe(1 + INTRA_US);
    expect(delayOf(network, at, 'a1', 'c1', 0)).toBe(1 + CROSS_US);
    expect(network.isIsolated('zone-b')).toBe(true);
    expect(network.isIsolated('zone-a')).toBe(false);
    expect(network.heal('zone-b')).toBe(1);
    expect(delayOf(network, at, 'a1', 'b1', 1_000)).toBe(1 + CROSS_US);
  });

  it('cut-link cuts one direction, or both', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'cut-link', from: 'a1', to: 'b1', bothWays: false });
    expect(send(network, at, 'a1', 'b1')).toBe(Refusal.Partitioned);
    expect(delayOf(network, at, 'b1', 'a1', 0)).toBe(1 + CROSS_US);
    network.heal();
    network.inject({ kind: 'cut-link', from: 'a1', to: 'b1', bothWays: true });
    expect(send(network, at, 'a1', 'b1')).toBe(Refusal.Partitioned);
    expect(send(network, at, 'b1', 'a1')).toBe(Refusal.Partitioned);
    expect(delayOf(network, at, 'a1', 'b2', 1_000)).toBe(1 + CROSS_US);
  });

  it('heal(target) removes only the faults that name the target process or zone', () => {
    const { network } = makeNetwork();
    const faults: NetworkFault[] = [
      { kind: 'cut-link', from: 'a1', to: 'b1', bothWays: true },
      { kind: 'slow-link', from: 'a2', to: 'c1', extraLatencyUs: 5, bothWays: true },
      { kind: 'isolate-process', process: 'b2' },
      { kind: 'isolate-zone', zone: 'zone-c' },
    ];
    faults.forEach((fault) => network.inject(fault));
    expect(network.heal('nobody')).toBe(0);
    expect(network.heal('c1')).toBe(1);
    expect(network.heal('b1')).toBe(1);
    expect(network.activeFaults()).toEqual([faults[2], faults[3]]);
    expect(network.heal()).toBe(2);
    expect(network.activeFaults()).toEqual([]);
  });
});

describe('degraded links', () => {
  it('slow-link adds latency one way or both, and two slow-link faults add up', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'slow-link', from: 'a1', to: 'a2', extraLatencyUs: 5_000, bothWays: false });
    expect(delayOf(network, at, 'a1', 'a2', 0)).toBe(1 + INTRA_US + 5_000);
    expect(delayOf(network, at, 'a2', 'a1', 0)).toBe(1 + INTRA_US);
    network.inject({ kind: 'slow-link', from: 'a1', to: 'a2', extraLatencyUs: 2_000, bothWays: true });
    expect(delayOf(network, at, 'a1', 'a2', 100_000)).toBe(1 + INTRA_US + 7_000);
    expect(delayOf(network, at, 'a2', 'a1', 100_000)).toBe(1 + INTRA_US + 2_000);
  });

  it('lossy-link at 100% drops everything on the link, and counts it', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'lossy-link', from: 'a1', to: 'b1', lossPerMillion: 1_000_000, bothWays: false });
    for (let i = 0; i < 500; i++) expect(send(network, at, 'a1', 'b1', i)).toBe(Refusal.Lost);
    expect(delayOf(network, at, 'b1', 'a1', 1_000)).toBe(1 + CROSS_US);
    const stats = network.stats();
    expect(stats.droppedByLoss).toBe(500);
    expect(stats.droppedByPartition).toBe(0);
    expect(stats.messagesTotal).toBe(1); // lost messages never reached the wire
  });

  it('lossy-link at 30% loses about 30%, and the network-wide loss applies to every link', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'lossy-link', from: 'a1', to: 'a2', lossPerMillion: 300_000, bothWays: true });
    let lost = 0;
    for (let i = 0; i < 5_000; i++) if (send(network, at, 'a1', 'a2', i * 1_000) === Refusal.Lost) lost++;
    expect(Math.abs(lost - 1_500)).toBeLessThan(150);

    const lossy = makeNetwork({ lossPerMillion: 100_000 });
    let lostEverywhere = 0;
    for (let i = 0; i < 5_000; i++) if (send(lossy.network, lossy.at, 'c1', 's', i * 1_000) === Refusal.Lost) lostEverywhere++;
    expect(Math.abs(lostEverywhere - 500)).toBeLessThan(100);
    expect(lossy.network.stats().droppedByLoss).toBe(lostEverywhere);
  });

  it('throttle-link queues messages on the link at its rate, after the NIC; other links keep the NIC rate', () => {
    const { network, at } = makeNetwork({ nicBytesPerSecond: 1_000_000 }); // 1 byte per µs
    network.inject({ kind: 'throttle-link', from: 'a1', to: 'a2', bytesPerSecond: 100_000, bothWays: false }); // 0.1 byte per µs
    // NIC done at 1,000, then 10,000µs through the throttled link.
    expect(send(network, at, 'a1', 'a2', 0)).toBe(11_000 + INTRA_US);
    // NIC done at 2,000, but the link is busy until 11,000.
    expect(send(network, at, 'a1', 'a2', 0)).toBe(21_000 + INTRA_US);
    // Another link from the same sender waits for the NIC only.
    expect(send(network, at, 'a1', 'b1', 0)).toBe(3_000 + CROSS_US);
    expect(send(network, at, 'a2', 'a1', 0)).toBe(1_000 + INTRA_US);
    // Two throttles on one link: the tighter one wins.
    network.inject({ kind: 'throttle-link', from: 'a1', to: 'a2', bytesPerSecond: 50_000, bothWays: true });
    expect(send(network, at, 'a2', 'a1', 100_000)).toBe(100_000 + 1_000 + 20_000 + INTRA_US);
  });
});

describe('the short route (no cut, loss or throttle anywhere)', () => {
  it('gives the arrivals, jitter draws and counts of the full route, which a fault that changes nothing forces', () => {
    // A lossy-link fault at 0 per million drops nothing and draws nothing, but puts every route on
    // the full path (routeFaulted); a slow-link fault keeps the short one. Same seed, same sends.
    const variants: NetworkFault[][] = [[], [{ kind: 'lossy-link', from: 'c1', to: 's', lossPerMillion: 0, bothWays: true }]];
    const runs = variants.map((faults) => {
      const { network, at } = makeNetwork({ jitterUs: 50 }, 7);
      network.inject({ kind: 'slow-link', from: 'a1', to: 'b1', extraLatencyUs: 250, bothWays: false });
      for (const fault of faults) network.inject(fault);
      const prng = new Prng(11);
      const ids = LAYOUT.map(([id]) => id);
      const arrivals: number[] = [];
      for (let i = 0; i < 2_000; i++) {
        const from = ids[prng.int(ids.length)]!;
        const to = ids[prng.int(ids.length)]!;
        if (from !== to) arrivals.push(send(network, at, from, to, i * 3, 1 + prng.int(5_000)));
      }
      return { arrivals, stats: network.stats() };
    });
    expect(runs[1]!.arrivals).toEqual(runs[0]!.arrivals);
    expect(runs[1]!.stats).toEqual(runs[0]!.stats);
    expect(new Set(runs[0]!.arrivals.map((arrival) => arrival % 7)).size).toBeGreaterThan(1); // jitter drawn
  });
});

describe('traffic accounting', () => {
  it('counts bytes per ordered zone pair; only zone-to-zone traffic is cross-zone', () => {
    const { network, at } = makeNetwork();
    send(network, at, 'a1', 'a2', 0, 100);
    send(network, at, 'a1', 'b1', 0, 200);
    send(network, at, 'b1', 'a1', 0, 300);
    send(network, at, 'a1', 's', 0, 400);
    send(network, at, 's', 'b2', 0, 500);
    send(network, at, 'b1', 'b2', 0, 600);
    const stats = network.stats();
    expect(stats.bytesTotal).toBe(2_100);
    expect(stats.messagesTotal).toBe(6);
    expect(stats.crossZoneBytes).toBe(500); // 200 + 300: regional and same-zone traffic are not cross-zone
    expect(stats.zoneTraffic).toEqual([
      { from: 'zone-a', to: 'zone-a', bytes: 100, messages: 1 },
      { from: 'zone-a', to: 'zone-b', bytes: 200, messages: 1 },
      { from: 'zone-a', to: REGIONAL, bytes: 400, messages: 1 },
      { from: 'zone-b', to: 'zone-a', bytes: 300, messages: 1 },
      { from: 'zone-b', to: 'zone-b', bytes: 600, messages: 1 },
      { from: REGIONAL, to: 'zone-b', bytes: 500, messages: 1 },
    ]);
    expect(network.endpointBytes(at('a1'))).toEqual({ sent: 700, received: 300 });
    expect(network.endpointBytes(at('b2'))).toEqual({ sent: 0, received: 1_100 });
  });

  it('does not count refused messages as traffic', () => {
    const { network, at } = makeNetwork();
    network.inject({ kind: 'isolate-zone', zone: 'zone-a' });
    send(network, at, 'a1', 'b1', 0, 999);
    expect(network.stats()).toMatchObject({ bytesTotal: 0, messagesTotal: 0, crossZoneBytes: 0, droppedByPartition: 1, zoneTraffic: [] });
  });
});

describe('errors name what is wrong', () => {
  it('refuses unknown zones, duplicate endpoints and unknown processes', () => {
    const { network } = makeNetwork();
    expect(() => network.addEndpoint('x', 'zone-q')).toThrow('network: zone "zone-q" of "x" does not exist; zones are zone-a, zone-b, zone-c, region');
    expect(() => network.addEndpoint('a1', 'zone-b')).toThrow('network: endpoint "a1" is already placed');
    expect(() => network.zoneOf('ghost')).toThrow('network: no process "ghost"; processes are a1, a2, b1, b2, c1, s');
  });

  it('refuses faults naming unknown processes or zones, or a link from a process to itself, and keeps the old faults', () => {
    const { network } = makeNetwork();
    network.inject({ kind: 'isolate-process', process: 'c1' });
    const bad: [NetworkFault, string][] = [
      [{ kind: 'isolate-process', process: 'ghost' }, 'network: no process "ghost"; processes are a1, a2, b1, b2, c1, s'],
      [{ kind: 'isolate-zone', zone: 'zone-q' }, 'network: no zone "zone-q"; zones are zone-a, zone-b, zone-c'],
      [{ kind: 'isolate-zone', zone: REGIONAL }, 'network: no zone "region"; zones are zone-a, zone-b, zone-c'],
      [{ kind: 'cut-link', from: 'a1', to: 'ghost', bothWays: true }, 'network: no process "ghost"'],
      [{ kind: 'slow-link', from: 'ghost', to: 'a1', extraLatencyUs: 1, bothWays: true }, 'network: no process "ghost"'],
      [{ kind: 'lossy-link', from: 'a1', to: 'a1', lossPerMillion: 1, bothWays: true }, 'network: a link joins two processes; got "a1" twice'],
    ];
    for (const [fault, message] of bad) expect(() => network.inject(fault), JSON.stringify(fault)).toThrow(message);
    expect(network.activeFaults()).toEqual([{ kind: 'isolate-process', process: 'c1' }]);
  });
});

describe('growing past the initial link table', () => {
  it('keeps NIC queues, link order and faults when the 17th endpoint is added', () => {
    const { network, at } = makeNetwork({ nicBytesPerSecond: 1_000_000, jitterUs: 0 });
    network.inject({ kind: 'cut-link', from: 'a1', to: 'b1', bothWays: false });
    network.inject({ kind: 'slow-link', from: 'a2', to: 'c1', extraLatencyUs: 50_000, bothWays: false });
    expect(send(network, at, 'a1', 'a2', 0, 10_000)).toBe(10_000 + INTRA_US); // a1's NIC busy until 10,000
    expect(send(network, at, 'a2', 'c1', 0, 1)).toBe(1 + CROSS_US + 50_000);
    for (let i = 0; i < 14; i++) network.addEndpoint(`extra-${i}`, 'zone-c');
    expect(network.endpointCount).toBe(20);
    expect(send(network, at, 'a1', 'b1')).toBe(Refusal.Partitioned);
    expect(send(network, at, 'a1', 'a2', 0, 1)).toBe(10_001 + INTRA_US); // still behind the NIC queue
    network.heal();
    // The link's FIFO floor survived the copy: a fast message cannot overtake the slow one.
    expect(send(network, at, 'a2', 'c1', 10, 1)).toBe(1 + CROSS_US + 50_000);
    const last = network.addEndpoint('last', 'zone-a');
    expect(network.route(last, at('a1'), 1, 0)).toBe(1 + INTRA_US);
  });
});

describe('each link keeps its latency in its own record (found once, when its endpoints are placed)', () => {
  it('gives every ordered pair of 40 endpoints (two table growths) the latency of its zones, each way', () => {
    // The network keeps a link's base latency in the link's record: set as endpoints are added and
    // copied when the table grows. Every pair must still get the zone rule, in both directions.
    const network = new Network({ ...BASE }, new Prng(3).fork('network'));
    const zones = ['zone-a', 'zone-b', 'zone-c', REGIONAL];
    const zoneOf: string[] = [];
    for (let i = 0; i < 40; i++) {
      zoneOf.push(zones[i % zones.length]!);
      expect(network.addEndpoint(`e${i}`, zoneOf[i]!)).toBe(i);
    }
    const expected = (from: number, to: number): number => {
      if (zoneOf[from] === REGIONAL || zoneOf[to] === REGIONAL) return REGIONAL_US;
      return zoneOf[from] === zoneOf[to] ? INTRA_US : CROSS_US;
    };
    let nowUs = 0;
    for (let from = 0; from < 40; from++) {
      for (let to = 0; to < 40; to++) {
        if (from === to) continue;
        nowUs += 10_000; // every NIC idle again
        expect(network.route(from, to, 1_000, nowUs) - nowUs, `e${from} -> e${to}`).toBe(1 + expected(from, to));
      }
    }
    // Nothing is cut: every pair can reach every other; one cut changes only its own link.
    expect(network.canReach(0, 39)).toBe(true);
    network.inject({ kind: 'cut-link', from: 'e0', to: 'e39', bothWays: false });
    expect(network.canReach(0, 39)).toBe(false);
    expect(network.canReach(39, 0)).toBe(true);
    network.heal();
    expect(network.canReach(0, 39)).toBe(true);
  });
});

describe('a partition that starts while a message is in flight', () => {
  interface Note extends Message {
    readonly type: 'Note';
  }

  class Sender implements ProcessLogic<Note> {
    constructor(private readonly received: string[]) {}
    start(fx: Effects<Note>): void {
      if (fx.self === 'a1') fx.send('b1', { type: 'Note', bytes: 1_000 });
    }
    receive(from: string, _message: Note, fx: Effects<Note>): void {
      this.received.push(`${fx.nowUs} ${fx.self} <- ${from}`);
    }
    timer(): void {}
    view(): Record<string, unknown> {
      return {};
    }
  }

  function twoProcesses(): { kernel: Kernel; network: Network; received: string[] } {
    const prng = new Prng(5);
    const network = new Network(BASE, prng.fork('network'));
    const kernel = new Kernel(network, prng.fork('kernel'));
    const received: string[] = [];
    for (const [id, zone] of [['a1', 'zone-a'], ['b1', 'zone-b']] as const) {
      kernel.addProcess({ id, role: 'broker', zone, durable: null, create: () => new Sender(received) });
    }
    return { kernel, network, received };
  }

  it('is dropped at delivery, traced as a drop and counted as a partition drop', () => {
    const { kernel, network, received } = twoProcesses();
    // The note leaves a1 at 0 and would land at 1 + 600.
    kernel.schedule(300, 'isolate b1', () => network.inject({ kind: 'isolate-process', process: 'b1' }));
    kernel.runUntil(10_000);
    expect(received).toEqual([]);
    expect(network.stats().droppedByPartition).toBe(1);
    expect(kernel.lostToCrash).toBe(0);
    expect(kernel.recentTrace().filter((entry) => entry.kind === 'drop')).toEqual([
      { index: expect.any(Number), timeUs: 1 + CROSS_US, kind: 'drop', process: 'b1', peer: 'a1', label: 'Note' },
    ]);
  });

  it('is delivered when the partition heals before it lands (the check is made on delivery)', () => {
    const { kernel, network, received } = twoProcesses();
    kernel.schedule(300, 'isolate b1', () => network.inject({ kind: 'isolate-process', process: 'b1' }));
    kernel.schedule(400, 'heal', () => network.heal());
    kernel.runUntil(10_000);
    expect(received).toEqual([`${1 + CROSS_US} b1 <- a1`]);
    expect(network.stats().droppedByPartition).toBe(0);
  });
});
