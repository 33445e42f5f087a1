// Builds the physical cluster from a validated config: one process per controller and broker,
// placed in zones. Each process's logic routes every input to the component that owns it; today
// that is the network probe, and the KRaft and replication layers join here as components too.

import type { EngineConfig } from './config';
import { NetworkProbe, PROBE_TIMER, isProbeMessage, type ProbeView } from './net/probe';
import type { Kernel } from './sim/kernel';
import type { Effects, Message, ProcessLogic } from './sim/process';

export interface MemberView extends Record<string, unknown> {
  readonly probe: ProbeView;
}

/** The disk of a controller or broker. Nothing is stored on it yet; a crash keeps it whole. */
export interface MemberDisk {
  readonly id: string;
}

class ClusterMember implements ProcessLogic<Message> {
  private readonly probe: NetworkProbe;

  constructor(probeConfig: EngineConfig['probe'], peers: readonly string[]) {
    this.probe = new NetworkProbe(probeConfig, peers);
  }

  start(fx: Effects<Message>): void {
    this.probe.start(fx);
  }

  receive(from: string, message: Message, fx: Effects<Message>): void {
    if (isProbeMessage(message)) {
      this.probe.handleMessage(from, message, fx);
      return;
    }
    throw new Error(`${fx.self}: no component handles ${message.type} (from ${from})`);
  }

  timer(key: string, fx: Effects<Message>): void {
    if (key === PROBE_TIMER) {
      this.probe.handleTimer(fx);
      return;
    }
    throw new Error(`${fx.self}: no component owns the timer "${key}"`);
  }

  view(): MemberView {
    return { probe: this.probe.view() };
  }
}

export function buildCluster(kernel: Kernel, config: EngineConfig): void {
  const ids = config.placements.map((placement) => placement.id);
  for (const placement of config.placements) {
    const peers = ids.filter((id) => id !== placement.id);
    const disk: MemberDisk = { id: placement.id };
    kernel.addProcess<MemberDisk, Message>({
      id: placement.id,
      role: placement.role,
      zone: placement.zone,
      durable: disk,
      create: () => new ClusterMember(config.probe, peers),
    });
  }
}
