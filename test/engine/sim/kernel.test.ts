// Goal: the kernel alone decides when things happen: starts, deliveries after network latency,
// timers (armed, re-armed, cancelled), crashes that erase a life's volatile state, timers and mail
// while the disk survives, control events ordered with the rest, bounded trace rings, and a
// stale-timer sweep that bounds the queue without changing what the trace records.
// Method: a Kernel on a real Network (jitter off, so every arrival time is computed by hand) with
// small scripted ProcessLogic objects whose hooks each test fills in; every expected time is
// written out as arithmetic on the network settings below.

import { describe, expect, it } from 'vitest';
import { Network, type NetworkConfig } from '../../../src/engine/net/network';
import { Kernel, NOTABLE_RING_CAPACITY, PROCESSES_MAX, STALE_EVENTS_MAX, TIMER_HANDLES_MAX, TRACE_RING_CAPACITY } from '../../../src/engine/sim/kernel';
import type { Effects, Message, ProcessLogic, ProcessSpec, TimerHandle } from '../../../src/engine/sim/process';
import { Prng } from '../../../src/engine/sim/prng';

const INTRA_US = 100;
const CROSS_US = 600;
/** 1,000-byte messages at 1 GB/s spend exactly 1µs on the sender's NIC. */
const MESSAGE_BYTES = 1_000;
const NIC_US = 1;

const NET: NetworkConfig = {
  zones: ['zone-a', 'zone-b'],
  intraZoneLatencyUs: INTRA_US,
  crossZoneLatencyUs: CROSS_US,
  regionalLatencyUs: 500,
  jitterUs: 0,
  nicBytesPerSecond: 1_000_000_000,
  lossPerMillion: 0,
};

interface TestMessage extends Message {
  readonly n: number;
}

function ping(n = 0): TestMessage {
  return { type: 'Ping', bytes: MESSAGE_BYTES, n };
}

function makeKernel(seed = 1): { kernel: Kernel; network: Network } {
  const prng = new Prng(seed);
  const network = new Network(NET, prng.fork('network'));
  return { kernel: new Kernel(network, prng.fork('kernel')), network };
}

interface Hooks {
  start?(fx: Effects<TestMessage>, logic: Scripted): void;
  receive?(from: string, message: TestMessage, fx: Effects<TestMessage>, logic: Scripted): void;
  timer?(key: string, fx: Effects<TestMessage>, logic: Scripted): void;
}

/** Volatile state lives in the object (a crash discards it); every input is appended to `log`. */
class Scripted implements ProcessLogic<TestMessage> {
  starts = 0;
  received = 0;
  /** The type the kernel passed with each delivery (ProcessLogic.receive's `type`). */
  readonly typesGiven: (string | undefined)[] = [];
  fx: Effects<TestMessage> | null = null;

  constructor(
    private readonly hooks: Hooks,
    private readonly log: string[],
  ) {}

  start(fx: Effects<TestMessage>): void {
    this.starts++;
    this.fx = fx;
    this.log.push(`${fx.nowUs} ${fx.self} start`);
    this.hooks.start?.(fx, this);
  }

  receive(from: string, message: TestMessage, fx: Effects<TestMessage>, type?: string): void {
    this.received++;
    this.typesGiven.push(type);
    this.log.push(`${fx.nowUs} ${fx.self} <- ${from} ${message.type}#${message.n}`);
    this.hooks.receive?.(from, message, fx, this);
  }

  timer(key: string, fx: Effects<TestMessage>): void {
    this.log.push(`${fx.nowUs} ${fx.self} timer ${key}`);
    this.hooks.timer?.(key, fx, this);
  }

  view(): Record<string, unknown> {
    return { starts: this.starts, received: this.received };
  }
}

interface Disk {
  received: number;
  flushed: number;
  unflushed: number;
}

function spec(
  id: string,
  zone: string,
  hooks: Hooks,
  log: string[],
  durable: Disk = { received: 0, flushed: 0, unflushed: 0 },
): ProcessSpec<Disk, TestMessage> & { logics: Scripted[] } {
  const logics: Scripted[] = [];
  return {
    id,
    role: 'broker',
    zone,
    durable,
    logics,
    create: () => {
      const logic = new Scripted(hooks, log);
      logics.push(logic);
      return logic;
    },
    onCrash: (disk) => {
      disk.unflushed = 0;
    },
  };
}

/** Sends one ping to each of `targets` when it starts. */
const sendsTo = (...targets: string[]): Hooks => ({
  start: (fx) => targets.forEach((target, n) => fx.send(target, ping(n))),
});

describe('process start', () => {
  it('runs start as the next event at the time the process is added', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(spec('a', 'zone-a', {}, log));
    expect(log).toEqual([]); // not yet: start is queued, not called inline
    expect(kernel.pendingEvents).toBe(1);
    expect(kernel.step()).toBe(true);
    expect(log).toEqual(['0 a start']);
    kernel.runUntil(5_000);
    kernel.addProcess(spec('b', 'zone-b', {}, log));
    kernel.runUntil(5_000);
    expect(log).toEqual(['0 a start', '5000 b start']);
    expect(kernel.recentTrace().map((entry) => `${entry.timeUs} ${entry.kind} ${entry.process}`)).toEqual(['0 start a', '5000 start b']);
  });

  it('refuses two processes with one name, and a zone the network does not have', () => {
    const { kernel } = makeKernel();
    kernel.addProcess(spec('a', 'zone-a', {}, []));
    expect(() => kernel.addProcess(spec('a', 'zone-b', {}, []))).toThrow('kernel: a process named "a" already exists');
    expect(() => kernel.addProcess(spec('z', 'zone-z', {}, []))).toThrow(/zone "zone-z" of "z" does not exist; zones are zone-a, zone-b, region/);
  });
});

describe('message delivery', () => {
  it('delivers after NIC time plus latency, sooner inside a zone than across zones', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(spec('a', 'zone-a', sendsTo('b', 'c'), log));
    kernel.addProcess(spec('b', 'zone-a', {}, log));
    kernel.addProcess(spec('c', 'zone-b', {}, log));
    kernel.runUntil(10_000);
    // a's NIC sends b's ping during [0, 1) and c's during [1, 2).
    const intraArrival = NIC_US + INTRA_US;
    const crossArrival = 2 * NIC_US + CROSS_US;
    expect(log.filter((line) => line.includes('<-'))).toEqual([`${intraArrival} b <- a Ping#0`, `${crossArrival} c <- a Ping#1`]);
    expect(intraArrival).toBeLessThan(crossArrival);
  });

  it('a send given its type and size is the same send (time, trace), and the size given is the one the network charges', () => {
    const runs = [(fx: Effects<TestMessage>) => fx.send('b', ping(1)), (fx: Effects<TestMessage>) => fx.send('b', ping(1), 'Ping', MESSAGE_BYTES)].map((send) => {
      const { kernel } = makeKernel();
      const log: string[] = [];
      const b = spec('b', 'zone-a', {}, log);
      kernel.addProcess(spec('a', 'zone-a', { start: send }, log));
      kernel.addProcess(b);
      kernel.runUntil(10_000);
      return { log, hash: kernel.traceHash, types: b.logics[0]!.typesGiven };
    });
    expect(runs[1]!.log).toEqual(runs[0]!.log);
    expect(runs[1]!.log).toContain(`${NIC_US + INTRA_US} b <- a Ping#1`);
    expect(runs[1]!.hash).toBe(runs[0]!.hash);
    // The receiver is told the type by the kernel either way: its switch needs no load from the message.
    expect(runs[0]!.types).toEqual(['Ping']);
    expect(runs[1]!.types).toEqual(['Ping']);
    // The kernel takes the size given, not the message's: twice the bytes, twice the NIC time.
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => fx.send('b', ping(2), 'Ping', 2 * MESSAGE_BYTES) }, log));
    kernel.addProcess(spec('b', 'zone-a', {}, log));
    kernel.runUntil(10_000);
    expect(log).toContain(`${2 * NIC_US + INTRA_US} b <- a Ping#2`);
  });

  it('delivers a message to oneself at once, without the network', () => {
    const { kernel, network } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => fx.send('a', ping(7)) }, log));
    kernel.runUntil(10);
    expect(log).toEqual(['0 a start', '0 a <- a Ping#7']);
    expect(network.stats().messagesTotal).toBe(0);
  });

  it('refuses a send to an unknown process, naming it', () => {
    const { kernel } = makeKernel();
    kernel.addProcess(spec('a', 'zone-a', sendsTo('nobody'), []));
    expect(() => kernel.runUntil(10)).toThrow('a: sent Ping to unknown process "nobody"');
  });
});

describe('timers', () => {
  it('fire at the time they were armed for', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            fx.setTimer('t', 2_500);
            fx.setTimer('u', 700);
          },
          timer: (key, fx) => {
            if (key === 'u') fx.setTimer('v', 0); // zero delay: after what is already due now
          },
        },
        log,
      ),
    );
    kernel.runUntil(1_000_000);
    expect(log).toEqual(['0 a start', '700 a timer u', '700 a timer v', '2500 a timer t']);
  });

  it('re-arming a timer replaces it: it fires once, at the last time set (later or earlier)', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            fx.setTimer('later', 1_000);
            fx.setTimer('later', 3_000);
            fx.setTimer('earlier', 3_000);
            fx.setTimer('earlier', 1_500);
          },
        },
        log,
      ),
    );
    kernel.runUntil(1_000_000);
    expect(log).toEqual(['0 a start', '1500 a timer earlier', '3000 a timer later']);
  });

  it('a timer pushed out again and again keeps one queue entry, and fires in the order of its last arming', () => {
    // Method: "t" and "u" are both due at 3,000; "t" was armed first, but is re-armed (to the same
    // deadline) at 1,000 and 2,000, after "u": so "u" fires first, exactly as if every arming had
    // its own queue entry. Meanwhile the queue holds one entry per timer, not one per arming.
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            fx.setTimer('t', 3_000);
            fx.setTimer('u', 3_000);
            fx.setTimer('tick', 1_000);
          },
          timer: (key, fx) => {
            if (key === 'tick') {
              fx.setTimer('t', 3_000 - fx.nowUs);
              if (fx.nowUs < 2_000) fx.setTimer('tick', 1_000);
            }
          },
        },
        log,
      ),
    );
    kernel.runUntil(2_500);
    expect(kernel.pendingEvents).toBe(2); // t's entry and u's, however often t was re-armed
    kernel.runUntil(1_000_000);
    expect(log).toEqual(['0 a start', '1000 a timer tick', '2000 a timer tick', '3000 a timer u', '3000 a timer t']);
  });

  it('a timer cancelled and armed again (a request timeout per request) reuses its queued entry, or queues one if armed earlier', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            for (let request = 0; request < 100; request++) {
              fx.setTimer('timeout', 5_000);
              fx.cancelTimer('timeout');
            }
            fx.setTimer('timeout', 5_000);
            fx.setTimer('other', 6_000);
            fx.cancelTimer('other');
            fx.setTimer('other', 4_000); // before its cancelled entry: a new entry
          },
        },
        log,
      ),
    );
    kernel.step();
    expect(kernel.pendingEvents).toBe(3); // timeout's one entry; other's cancelled one and its new one
    kernel.runUntil(1_000_000);
    expect(log).toEqual(['0 a start', '4000 a timer other', '5000 a timer timeout']);
    expect(kernel.pendingEvents).toBe(0);
  });

  it('a cancelled timer never fires; cancelling an unknown timer is harmless', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            fx.setTimer('t', 1_000);
            fx.setTimer('keep', 2_000);
            fx.cancelTimer('t');
            fx.cancelTimer('never-set');
          },
        },
        log,
      ),
    );
    kernel.runUntil(1_000_000);
    expect(log).toEqual(['0 a start', '2000 a timer keep']);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a delay of %s µs', (delayUs) => {
    const { kernel } = makeKernel();
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => fx.setTimer('t', delayUs) }, []));
    expect(() => kernel.step()).toThrow(`a: timer "t" needs a whole, non-negative delay in µs; got ${delayUs}`);
  });
});

describe('timer tables', () => {
  it('a key used once leaves the table when it fires, and a key armed again after firing fires again', () => {
    // A request timeout per request id (as a long-poll park is) fires and is never armed again; a
    // tick re-arms itself from its own firing. 1,000 distinct keys pass through the table.
    const { kernel } = makeKernel();
    const log: string[] = [];
    const REQUESTS = 1_000;
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            fx.setTimer('tick', 7);
            fx.setTimer('request:0', 10);
          },
          timer: (key, fx) => {
            if (key === 'tick') fx.setTimer('tick', 7);
            else if (Number(key.slice('request:'.length)) < REQUESTS - 1) fx.setTimer(`request:${Number(key.slice('request:'.length)) + 1}`, 10);
          },
        },
        log,
      ),
    );
    let heldMax = 0;
    for (let chunk = 1; chunk <= 100; chunk++) {
      kernel.runUntil(chunk * 100);
      heldMax = Math.max(heldMax, kernel.timersHeldBy('a'));
    }
    const requests = log.filter((line) => line.includes('timer request:'));
    expect(requests).toHaveLength(REQUESTS);
    expect(requests[REQUESTS - 1]).toBe(`${REQUESTS * 10} a timer request:${REQUESTS - 1}`);
    expect(log.filter((line) => line.endsWith('timer tick'))).toHaveLength(Math.floor(10_000 / 7));
    // Sampled every 10 requests: the tick and the one request pending, never the keys that fired.
    expect(heldMax).toBe(2);
  });

  /**
   * The naive model: every arming replaces the key's (deadline, seq); firing order is by
   * (deadline, seq) among the armed keys. The kernel reuses anchors, idle states and swept
   * entries; whatever it does inside, the firings must be the model's. `api` says how the process
   * arms: by key (setTimer), by handle (fx.timer(key) then arm/disarm), or either at random per
   * call on the same keys (one timer, two names). Returns the trace hashes, one per seed.
   */
  const checkAgainstModel = (api: 'keys' | 'handles' | 'mixed'): string[] => {
    const hashes: string[] = [];
    for (let seed = 1; seed <= 60; seed++) {
      const prng = new Prng(seed, 'timer-model');
      const { kernel } = makeKernel(seed);
      const log: string[] = [];
      let fx: Effects<TestMessage> | null = null;
      kernel.addProcess(spec('a', 'zone-a', { start: (effects) => (fx = effects) }, log));
      kernel.runUntil(0);
      let model = new Map<string, { deadlineUs: number; seq: number }>();
      let seq = 0;
      let handlesUsed = seed;
      const expected: string[] = [];
      const runModelUntil = (timeUs: number): void => {
        for (;;) {
          let next: [string, { deadlineUs: number; seq: number }] | null = null;
          for (const entry of model) if (entry[1].deadlineUs <= timeUs && (next === null || entry[1].deadlineUs < next[1].deadlineUs || (entry[1].deadlineUs === next[1].deadlineUs && entry[1].seq < next[1].seq))) next = entry;
          if (next === null) return;
          model.delete(next[0]);
          expected.push(`${next[1].deadlineUs} a timer ${next[0]}`);
        }
      };
      for (let op = 0; op < 300; op++) {
        const key = `k${prng.int(prng.chancePerMillion(200_000) ? 200 : 6)}`;
        const choice = prng.int(100);
        // Handles are asked for anew at times (the same number comes back) and after each restart.
        const byHandle = api === 'handles' || (api === 'mixed' && (handlesUsed++ & 1) === 0);
        if (choice < 55) {
          const delayUs = prng.int(50);
          if (byHandle) fx!.arm(fx!.timer(key), delayUs);
          else fx!.setTimer(key, delayUs);
          model.set(key, { deadlineUs: kernel.nowUs + delayUs, seq: seq++ });
        } else if (choice < 75) {
          if (byHandle) fx!.disarm(fx!.timer(key));
          else fx!.cancelTimer(key);
          model.delete(key);
        } else if (choice < 98) {
          const untilUs = kernel.nowUs + prng.int(30);
          runModelUntil(untilUs);
          kernel.runUntil(untilUs);
        } else {
          kernel.crash('a');
          kernel.restart('a');
          kernel.runUntil(kernel.nowUs); // the new life starts and hands over its effects
          model = new Map();
        }
      }
      runModelUntil(kernel.nowUs + 1_000);
      kernel.runUntil(kernel.nowUs + 1_000);
      expect(log.filter((line) => line.includes(' timer ')), `${api}, seed ${seed}`).toEqual(expected);
      hashes.push(kernel.traceHash);
    }
    return hashes;
  };

  it('fires exactly as one queue entry per arming would, over 60 seeds of random armings, cancels and crashes', () => {
    checkAgainstModel('keys');
  });

  it('arming by handle fires as arming by key, alone or mixed on the same keys, with the very same trace hash', () => {
    const byKeys = checkAgainstModel('keys');
    expect(checkAgainstModel('handles')).toEqual(byKeys);
    expect(checkAgainstModel('mixed')).toEqual(byKeys);
  });

  it('a key with a handle stays in the table while idle (the same number when asked again), while keys used once come and go', () => {
    // A fetch retry armed by handle fires now and then; meanwhile 1,000 keys used once each (a
    // park per request) go through the table and push idle timers out beyond the bound.
    const { kernel } = makeKernel();
    const log: string[] = [];
    let retry = -1;
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            retry = fx.timer('retry');
            fx.arm(retry as TimerHandle, 5);
            fx.setTimer('request:0', 10);
          },
          timer: (key, fx) => {
            if (key === 'retry') return;
            const n = Number(key.slice('request:'.length));
            if (n < 999) fx.setTimer(`request:${n + 1}`, 10);
            if (n % 100 === 0) {
              // Asked again, the handle is the same number; armed, it fires under its key.
              expect(fx.timer('retry')).toBe(retry);
              fx.arm(retry as TimerHandle, 3);
            }
          },
        },
        log,
      ),
    );
    kernel.runUntil(10_000);
    expect(log.filter((line) => line.endsWith('timer retry')).map((line) => Number(line.split(' ')[0]))).toEqual([5, ...Array.from({ length: 10 }, (_, n) => n * 1_000 + 13)]);
    expect(log.filter((line) => line.includes('timer request:'))).toHaveLength(1_000);
    expect(kernel.timersHeldBy('a')).toBe(1); // the handle's timer, idle; every key used once has left
  });

  it('refuses a handle from another life or never given, and more than TIMER_HANDLES_MAX keys by handle', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    const spec1 = spec('a', 'zone-a', {}, log);
    kernel.addProcess(spec1);
    kernel.runUntil(0);
    const first = spec1.logics[0]!.fx!;
    const handle = first.timer('x');
    first.arm(handle, 10);
    kernel.crash('a');
    expect(() => first.arm(handle, 10)).toThrow('a: arm() called by a life that has ended');
    kernel.restart('a');
    kernel.runUntil(20);
    expect(log.filter((line) => line.includes(' timer '))).toEqual([]); // the old life's arming died with it
    const second = spec1.logics[1]!.fx!;
    expect(() => second.arm(handle, 10)).toThrow('a: timer handle 0 was not given by fx.timer(key) in this life (it has 0)');
    for (let n = 0; n < TIMER_HANDLES_MAX; n++) second.timer(`k${n}`);
    expect(second.timer('k7')).toBe(7); // an existing key needs no new handle
    expect(() => second.timer('one-too-many')).toThrow(`a: timer "one-too-many" would be handle number ${TIMER_HANDLES_MAX + 1} in this life; at most ${TIMER_HANDLES_MAX} (TIMER_HANDLES_MAX)`);
    expect(() => second.arm(second.timer('k1'), 1.5)).toThrow('a: timer "k1" needs a whole, non-negative delay in µs; got 1.5');
  });
});

describe('crash and restart', () => {
  it('a crash discards the volatile state; the disk survives, minus what onCrash drops', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    const disk: Disk = { received: 0, flushed: 0, unflushed: 0 };
    const counter: Hooks = {
      receive: (_from, _message, _fx, logic) => {
        disk.received++;
        disk.unflushed++;
        if (logic.received % 2 === 0) {
          // Every second message flushes what came before.
          disk.flushed += disk.unflushed;
          disk.unflushed = 0;
        }
      },
    };
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => [0, 1, 2].forEach((n) => fx.send('b', ping(n))) }, log));
    const b = spec('b', 'zone-a', counter, log, disk);
    kernel.addProcess(b);
    kernel.runUntil(10_000);
    expect(kernel.viewOf('b')).toEqual({ starts: 1, received: 3 });
    expect(disk).toEqual({ received: 3, flushed: 2, unflushed: 1 });

    kernel.crash('b');
    expect(kernel.viewOf('b')).toBeNull();
    expect(disk).toEqual({ received: 3, flushed: 2, unflushed: 0 });
    expect(kernel.processes().find((info) => info.id === 'b')).toMatchObject({ status: 'crashed', crashes: 1 });

    kernel.restart('b');
    kernel.runUntil(20_000);
    expect(b.logics).toHaveLength(2);
    expect(kernel.viewOf('b')).toEqual({ starts: 1, received: 0 }); // a new object: the count restarted
    expect(disk.received).toBe(3);
    expect(kernel.processes().find((info) => info.id === 'b')).toMatchObject({ status: 'up', crashes: 1 });
    expect(log.slice(-1)).toEqual(['10000 b start']);
  });

  it('timers armed by the crashed life never fire in the next life', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    let life = 0;
    const armOnlyInFirstLife: Hooks = {
      start: (fx) => {
        if (life++ === 0) fx.setTimer('from-life-1', 5_000);
      },
    };
    kernel.addProcess(spec('a', 'zone-a', armOnlyInFirstLife, log));
    kernel.schedule(1_000, 'crash a', () => kernel.crash('a'));
    kernel.schedule(2_000, 'restart a', () => kernel.restart('a'));
    kernel.runUntil(100_000);
    expect(log).toEqual(['0 a start', '2000 a start']);
  });

  it('mail in flight to a crashed life is dropped at delivery, traced as a drop and counted', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(spec('a', 'zone-a', sendsTo('b', 'c'), log));
    kernel.addProcess(spec('b', 'zone-a', {}, log));
    kernel.addProcess(spec('c', 'zone-b', {}, log));
    // b's ping lands at 101, c's at 602: b dies and returns before its ping lands, c is still down when its ping lands.
    kernel.schedule(50, 'crash b', () => kernel.crash('b'));
    kernel.schedule(60, 'restart b', () => kernel.restart('b'));
    kernel.schedule(500, 'crash c', () => kernel.crash('c'));
    kernel.runUntil(10_000);
    expect(log.filter((line) => line.includes('<-'))).toEqual([]);
    expect(kernel.lostToCrash).toBe(2);
    const drops = kernel.recentTrace().filter((entry) => entry.kind === 'drop');
    expect(drops).toEqual([
      { index: expect.any(Number), timeUs: NIC_US + INTRA_US, kind: 'drop', process: 'b', peer: 'a', label: 'Ping' },
      { index: expect.any(Number), timeUs: 2 * NIC_US + CROSS_US, kind: 'drop', process: 'c', peer: 'a', label: 'Ping' },
    ]);
  });

  it('mail sent by a process before it crashed still arrives', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(spec('a', 'zone-a', sendsTo('b'), log));
    kernel.addProcess(spec('b', 'zone-a', {}, log));
    kernel.schedule(50, 'crash a', () => kernel.crash('a'));
    kernel.runUntil(10_000);
    expect(log).toContain(`${NIC_US + INTRA_US} b <- a Ping#0`);
    expect(kernel.lostToCrash).toBe(0);
  });

  it('records crashes and restarts in both traces, in order', () => {
    const { kernel } = makeKernel();
    kernel.addProcess(spec('a', 'zone-a', {}, []));
    kernel.runUntil(10);
    kernel.crash('a');
    kernel.runUntil(20);
    kernel.restart('a');
    kernel.runUntil(30);
    expect(kernel.recentTrace().map((entry) => `${entry.timeUs} ${entry.kind}`)).toEqual(['0 start', '10 crash', '20 restart', '20 start']);
    const lifeEvents = kernel.notableTrace().filter((entry) => entry.kind === 'crash' || entry.kind === 'restart');
    expect(lifeEvents.map((entry) => `${entry.timeUs} ${entry.kind} ${entry.process} ${entry.label}`)).toEqual(['10 crash a a crashed', '20 restart a a restarted']);
  });

  it('refuses to crash a crashed process, restart a running one, or touch an unknown one', () => {
    const { kernel } = makeKernel();
    kernel.addProcess(spec('a', 'zone-a', {}, []));
    kernel.addProcess(spec('b', 'zone-a', {}, []));
    expect(() => kernel.restart('a')).toThrow('a is running; only a crashed or stopped process can be restarted');
    kernel.crash('a');
    const hash = kernel.traceHash;
    expect(() => kernel.crash('a')).toThrow('a is already crashed; restart it first');
    expect(kernel.traceHash).toBe(hash);
    expect(kernel.processes()[0]).toMatchObject({ status: 'crashed', crashes: 1 });
    expect(() => kernel.crash('zed')).toThrow('no process "zed"; processes are a, b');
    expect(() => kernel.restart('zed')).toThrow('no process "zed"; processes are a, b');
  });

  it('an Effects object refuses every use once its life has ended, even after a restart', () => {
    const { kernel } = makeKernel();
    const a = spec('a', 'zone-a', {}, []);
    kernel.addProcess(a);
    kernel.addProcess(spec('b', 'zone-a', {}, []));
    kernel.runUntil(10);
    const oldFx = a.logics[0]!.fx!;
    kernel.crash('a');
    const ended = /^a: (send|setTimer|cancelTimer|note)\(\) called by a life that has ended/;
    expect(() => oldFx.send('b', ping())).toThrow(ended);
    kernel.restart('a');
    kernel.runUntil(20);
    expect(() => oldFx.send('b', ping())).toThrow('a: send() called by a life that has ended (a crash discards all its state)');
    expect(() => oldFx.setTimer('t', 5)).toThrow(ended);
    expect(() => oldFx.cancelTimer('t')).toThrow(ended);
    expect(() => oldFx.note('hello')).toThrow(ended);
    // The new life's Effects works.
    const newFx = a.logics[1]!.fx!;
    expect(newFx).not.toBe(oldFx);
    newFx.note('back');
    expect(kernel.notableTrace().at(-1)).toMatchObject({ kind: 'note', process: 'a', label: 'back' });
  });

  it("continues a process's random stream across restarts instead of replaying it", () => {
    const { kernel } = makeKernel();
    const drawsPerLife: number[][] = [];
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => drawsPerLife.push([fx.prng.nextU32(), fx.prng.nextU32()]) }, []));
    kernel.runUntil(10);
    kernel.crash('a');
    kernel.restart('a');
    kernel.runUntil(20);
    expect(drawsPerLife).toHaveLength(2);
    expect(drawsPerLife[1]).not.toEqual(drawsPerLife[0]);
  });
});

describe('running the clock', () => {
  const tickerEvery = (periodUs: number): Hooks => ({
    start: (fx) => fx.setTimer('tick', periodUs),
    timer: (key, fx) => fx.setTimer(key, periodUs),
  });

  it('runUntil processes events due exactly at the boundary and leaves the clock there', () => {
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => fx.setTimer('t', 5_000) }, log));
    expect(kernel.runUntil(4_999)).toBe(1); // the start only
    expect(kernel.nowUs).toBe(4_999);
    expect(log).toEqual(['0 a start']);
    expect(kernel.runUntil(5_000)).toBe(1);
    expect(kernel.nowUs).toBe(5_000);
    expect(log).toEqual(['0 a start', '5000 a timer t']);
    expect(kernel.runUntil(9_000_000)).toBe(0); // nothing left, but the clock still moves
    expect(kernel.nowUs).toBe(9_000_000);
    expect(() => kernel.runUntil(8_999_999)).toThrow('kernel: cannot run back to 8999999µs; now is 9000000µs');
  });

  it('runUntil with maxEvents stops early with the clock at the last event run', () => {
    const { kernel } = makeKernel();
    kernel.addProcess(spec('a', 'zone-a', tickerEvery(10), []));
    expect(kernel.runUntil(1_000_000, 5)).toBe(5); // start at 0, ticks at 10, 20, 30, 40
    expect(kernel.nowUs).toBe(40);
    expect(kernel.eventCount).toBe(5);
    expect(kernel.runUntil(100)).toBe(6); // ticks at 50 ... 100
    expect(kernel.nowUs).toBe(100);
  });

  it('step runs one event at a time and reports an empty queue', () => {
    const { kernel } = makeKernel();
    const twoTimers: Hooks = {
      start: (fx) => {
        fx.setTimer('x', 30);
        fx.setTimer('y', 70);
      },
    };
    kernel.addProcess(spec('a', 'zone-a', twoTimers, []));
    const times: number[] = [];
    while (kernel.step()) times.push(kernel.nowUs);
    expect(times).toEqual([0, 30, 70]);
    expect(kernel.step()).toBe(false);
    expect(kernel.nowUs).toBe(70);
    expect(kernel.nextEventTimeUs()).toBeNull();
  });

  it('schedule runs control events in (time, scheduling order) with timers and messages', () => {
    const { kernel } = makeKernel();
    const order: string[] = [];
    kernel.schedule(100, 'first', () => order.push('first'));
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => fx.setTimer('x', 100), timer: (key) => order.push(`timer ${key}`) }, []));
    kernel.step(); // a starts, arming x for 100 after `first` was scheduled
    kernel.schedule(100, 'last', () => order.push('last'));
    kernel.schedule(50, 'early', () => order.push('early'));
    kernel.runUntil(1_000);
    expect(order).toEqual(['early', 'first', 'timer x', 'last']);
    expect(kernel.recentTrace().map((entry) => `${entry.timeUs} ${entry.kind} ${entry.label}`)).toEqual([
      '0 start start',
      '50 control early',
      '100 control first',
      '100 timer x',
      '100 control last',
    ]);
  });

  it('schedule accepts now, and refuses the past and fractional times', () => {
    const { kernel } = makeKernel();
    kernel.runUntil(1_000);
    let ran = false;
    kernel.schedule(1_000, 'now', () => (ran = true));
    kernel.runUntil(1_000);
    expect(ran).toBe(true);
    expect(() => kernel.schedule(999, 'late', () => undefined)).toThrow('kernel: cannot schedule "late" at 999µs; now is 1000µs');
    expect(() => kernel.schedule(1_000.5, 'half', () => undefined)).toThrow(/cannot schedule "half" at 1000.5µs/);
    expect(kernel.pendingEvents).toBe(0);
  });
});

describe('trace rings', () => {
  it(`keep the newest ${TRACE_RING_CAPACITY} events, readable by index and limit`, () => {
    const { kernel } = makeKernel();
    kernel.addProcess(spec('a', 'zone-a', { start: (fx) => fx.setTimer('tick', 1), timer: (key, fx) => fx.setTimer(key, 1) }, []));
    kernel.runUntil(TRACE_RING_CAPACITY + 999); // start + one tick per µs
    const total = TRACE_RING_CAPACITY + 1_000;
    expect(kernel.traceLength).toBe(total);
    const all = kernel.recentTrace();
    expect(all).toHaveLength(TRACE_RING_CAPACITY);
    expect(all[0]).toEqual({ index: total - TRACE_RING_CAPACITY, timeUs: 1_000, kind: 'timer', process: 'a', peer: null, label: 'tick' });
    expect(all.at(-1)).toMatchObject({ index: total - 1, timeUs: total - 1 });
    expect(all.every((entry, i) => entry.index === total - TRACE_RING_CAPACITY + i)).toBe(true);
    // A limit keeps the newest; fromIndex skips older ones; entries that left the ring are gone.
    expect(kernel.recentTrace(0, 3).map((entry) => entry.index)).toEqual([total - 3, total - 2, total - 1]);
    expect(kernel.recentTrace(total - 2).map((entry) => entry.index)).toEqual([total - 2, total - 1]);
    expect(kernel.recentTrace(total)).toEqual([]);
    expect(kernel.recentTrace(5)).toHaveLength(TRACE_RING_CAPACITY);
  });

  it('give each event its kind, process and peer (packed in one word in the ring), up to the last process index', () => {
    const { kernel } = makeKernel();
    // Pad to PROCESSES_MAX - 2 processes, then a sender and a receiver with the highest indices.
    for (let i = 0; i < PROCESSES_MAX - 2; i++) kernel.addProcess(spec(`p${i}`, 'zone-a', {}, []));
    kernel.addProcess(spec('last-but-one', 'zone-a', sendsTo('last'), []));
    kernel.addProcess(spec('last', 'zone-b', {}, []));
    kernel.runUntil(10_000);
    kernel.crash('last');
    kernel.announce('done');
    const tail = kernel.recentTrace(0, 5).map(({ kind, process, peer, label }) => ({ kind, process, peer, label }));
    expect(tail).toEqual([
      { kind: 'start', process: 'last-but-one', peer: null, label: 'start' },
      { kind: 'start', process: 'last', peer: null, label: 'start' },
      { kind: 'deliver', process: 'last', peer: 'last-but-one', label: 'Ping' },
      { kind: 'crash', process: 'last', peer: null, label: 'crash' },
      { kind: 'note', process: null, peer: null, label: 'done' },
    ]);
    expect(kernel.notableTrace(0, 2).map(({ kind, process, peer }) => ({ kind, process, peer }))).toEqual([
      { kind: 'crash', process: 'last', peer: null },
      { kind: 'note', process: null, peer: null },
    ]);
  });

  it(`keep the newest ${NOTABLE_RING_CAPACITY} notable events`, () => {
    const { kernel } = makeKernel();
    const notes = NOTABLE_RING_CAPACITY + 100;
    for (let i = 0; i < notes; i++) kernel.announce(`note ${i}`);
    expect(kernel.notableLength).toBe(notes);
    const kept = kernel.notableTrace();
    expect(kept).toHaveLength(NOTABLE_RING_CAPACITY);
    expect(kept[0]).toMatchObject({ index: 100, label: 'note 100', process: null });
    expect(kept.at(-1)).toMatchObject({ index: notes - 1, label: `note ${notes - 1}` });
    expect(kernel.notableTrace(notes - 1, 10).map((entry) => entry.label)).toEqual([`note ${notes - 1}`]);
  });
});

describe('trace hash', () => {
  const scenario = (seed: number, crashAtUs: number): Kernel => {
    const { kernel } = makeKernel(seed);
    const echo: Hooks = {
      start: (fx) => fx.setTimer('send', 1 + fx.prng.int(500)),
      timer: (_key, fx) => {
        fx.send(fx.self === 'a' ? 'b' : 'a', ping(fx.prng.int(100)));
        fx.setTimer('send', 1 + fx.prng.int(500));
      },
    };
    kernel.addProcess(spec('a', 'zone-a', echo, []));
    kernel.addProcess(spec('b', 'zone-b', echo, []));
    kernel.schedule(crashAtUs, 'crash b', () => kernel.crash('b'));
    kernel.runUntil(50_000);
    return kernel;
  };

  it('is equal for equal runs and differs when the seed or an input time changes', () => {
    const first = scenario(1, 20_000);
    expect(scenario(1, 20_000).traceHash).toBe(first.traceHash);
    expect(first.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(scenario(2, 20_000).traceHash).not.toBe(first.traceHash);
    expect(scenario(1, 20_001).traceHash).not.toBe(first.traceHash);
  });
});

describe('stale-timer sweep', () => {
  const TICKS = 5 * STALE_EVENTS_MAX;

  /**
   * A heartbeat every 10µs. `rearmEveryTick`: each heartbeat re-arms a watchdog timer about 1s out,
   * 1µs earlier than the last arming's deadline (an arming before the entry already queued takes an
   * entry of its own; one pushed later would not), leaving one superseded timer in the queue per
   * tick. Otherwise the watchdog is armed once, on the last tick, for the same deadline: the same
   * observable run without the stale timers.
   */
  const heartbeat = (rearmEveryTick: boolean): { kernel: Kernel; pendingMax: number; log: string[] } => {
    const { kernel } = makeKernel(7);
    const log: string[] = [];
    let ticks = 0;
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => fx.setTimer('tick', 10),
          timer: (key, fx) => {
            if (key !== 'tick') return;
            ticks++;
            if (rearmEveryTick || ticks === TICKS) fx.setTimer('watchdog', TICKS * 11 + 1_000_000 - ticks - fx.nowUs);
            if (ticks < TICKS) fx.setTimer('tick', 10);
          },
        },
        log,
      ),
    );
    let pendingMax = 0;
    for (let chunk = 1; chunk <= 200; chunk++) {
      kernel.runUntil(chunk * 10_000);
      pendingMax = Math.max(pendingMax, kernel.pendingEvents);
    }
    return { kernel, pendingMax, log };
  };

  it('keeps the queue bounded while a timer is re-armed far more often than it fires', () => {
    const { kernel, pendingMax, log } = heartbeat(true);
    expect(kernel.nowUs).toBe(2_000_000);
    expect(log.filter((line) => line.endsWith('timer tick'))).toHaveLength(TICKS);
    // Without the sweep the queue would hold one stale watchdog per tick (20,480).
    expect(pendingMax).toBeLessThanOrEqual(STALE_EVENTS_MAX + 3);
    expect(log.filter((line) => line.endsWith('timer watchdog'))).toEqual([`${TICKS * 10 + 1_000_000} a timer watchdog`]);
  });

  it('leaves no mark on the trace: the same hash as the run without stale timers, and the same again on a rerun', () => {
    const swept = heartbeat(true);
    const clean = heartbeat(false);
    expect(clean.pendingMax).toBeLessThanOrEqual(3);
    expect(swept.log).toEqual(clean.log);
    expect(swept.kernel.traceLength).toBe(clean.kernel.traceLength);
    expect(swept.kernel.traceHash).toBe(clean.kernel.traceHash);
    expect(heartbeat(true).kernel.traceHash).toBe(swept.kernel.traceHash);
  });

  it('sweeps the timers of a crashed life', () => {
    const { kernel } = makeKernel();
    const keys = STALE_EVENTS_MAX + 10;
    const manyTimers: Hooks = {
      start: (fx) => {
        for (let i = 0; i < keys; i++) fx.setTimer(`t${i}`, 1_000 + i);
      },
    };
    kernel.addProcess(spec('a', 'zone-a', manyTimers, []));
    kernel.addProcess(spec('b', 'zone-a', { start: (fx) => fx.setTimer('alive', 500) }, []));
    kernel.runUntil(0);
    expect(kernel.pendingEvents).toBe(keys + 1);
    kernel.crash('a');
    expect(kernel.pendingEvents).toBe(1); // only b's timer is left
    kernel.runUntil(100_000);
    expect(kernel.recentTrace().map((entry) => `${entry.timeUs} ${entry.kind} ${entry.process}`)).toEqual([
      '0 start a',
      '0 start b',
      '0 crash a',
      '500 timer b',
    ]);
  });

  it('can sweep the queue empty and keep working', () => {
    // One process re-arms a timer ever earlier (each arming before the entry already queued takes
    // an entry of its own) until the superseded copies exceed the bound, then cancels it: every
    // event left in the queue is stale, so the sweep removes them all.
    const { kernel } = makeKernel();
    const log: string[] = [];
    kernel.addProcess(
      spec(
        'a',
        'zone-a',
        {
          start: (fx) => {
            for (let i = 0; i <= STALE_EVENTS_MAX; i++) fx.setTimer('x', 10 + STALE_EVENTS_MAX - i);
            fx.cancelTimer('x');
          },
          receive: (_from, _message, fx) => fx.setTimer('x', 10),
        },
        log,
      ),
    );
    kernel.step();
    expect(kernel.pendingEvents).toBe(0);
    kernel.addProcess(spec('b', 'zone-a', { start: (fx) => fx.setTimer('y', 5) }, log));
    kernel.runUntil(1_000);
    expect(log).toEqual(['0 a start', '0 b start', '5 b timer y']);
    // The swept timer is forgotten whole: armed again, it queues an entry of its own and fires.
    kernel.schedule(1_000, 'arm x again', () => kernel.command('a', ping(1)));
    kernel.runUntil(2_000);
    expect(log.slice(3)).toEqual(['1000 a <- operator Ping#1', '1010 a timer x']);
  });
});
