// Kernel benchmark: a synthetic message-passing workload across 12 processes in 3 zones.
// Each process keeps tokens moving: every token it receives goes on to a random peer, and a
// 1 ms housekeeping timer re-arms itself. The figure that matters is kernel events per wall
// second (issue 2's target: at least 3 million on one core); the network model is included,
// because every message in the real engine goes through it.

import { Network } from '../src/engine/net/network';
import { Kernel } from '../src/engine/sim/kernel';
import { Prng } from '../src/engine/sim/prng';
import type { Effects, Message, ProcessLogic } from '../src/engine/sim/process';

const PROCESS_COUNT = 12;
const TOKENS_PER_PROCESS = 32;
const TOKEN: Message = { type: 'Token', bytes: 200 };

class TokenPasser implements ProcessLogic {
  constructor(private readonly peers: readonly string[]) {}
  start(fx: Effects): void {
    for (let i = 0; i < TOKENS_PER_PROCESS; i++) fx.send(fx.prng.pick(this.peers), TOKEN);
    fx.setTimer('tick', 1_000);
  }
  receive(_from: string, message: Message, fx: Effects): void {
    fx.send(this.peers[fx.prng.int(this.peers.length)]!, message);
  }
  timer(_key: string, fx: Effects): void {
    fx.setTimer('tick', 1_000);
  }
  view(): Record<string, unknown> {
    return {};
  }
}

export interface KernelBenchResult {
  readonly events: number;
  readonly wallMs: number;
  readonly simulatedSeconds: number;
  readonly eventsPerWallSecond: number;
  readonly simulatedSecondsPerWallSecond: number;
  readonly traceHash: string;
}

export function runKernelBench(simulatedSeconds: number, seed = 7): KernelBenchResult {
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  const prng = new Prng(seed);
  const network = new Network(
    {
      zones,
      intraZoneLatencyUs: 100,
      crossZoneLatencyUs: 600,
      regionalLatencyUs: 500,
      jitterUs: 50,
      nicBytesPerSecond: 1.25e9,
      lossPerMillion: 0,
    },
    prng.fork('network'),
  );
  const kernel = new Kernel(network, prng.fork('kernel'));
  const ids = Array.from({ length: PROCESS_COUNT }, (_, i) => `node-${i + 1}`);
  ids.forEach((id, i) => {
    const peers = ids.filter((other) => other !== id);
    kernel.addProcess({ id, role: 'broker', zone: zones[i % zones.length]!, durable: {}, create: () => new TokenPasser(peers) });
  });
  const started = performance.now();
  kernel.runUntil(Math.round(simulatedSeconds * 1_000_000));
  const wallMs = performance.now() - started;
  return {
    events: kernel.eventCount,
    wallMs,
    simulatedSeconds,
    eventsPerWallSecond: kernel.eventCount / (wallMs / 1000),
    simulatedSecondsPerWallSecond: simulatedSeconds / (wallMs / 1000),
    traceHash: kernel.traceHash,
  };
}
