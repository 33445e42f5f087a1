// A network health probe, one per cluster process: every interval it pings each peer and keeps
// the round-trip time and the time of the last reply. A peer that has not answered within the
// timeout is unreachable; changes are noted in the event log ("broker-1 lost contact with ...").
// It is what lets a person see a partition from each side before any protocol reacts to it, and
// it is the engine's steady background traffic.
//
// State is volatile (a restarted process knows nothing of its peers until they answer again).
// It is a component: a process's logic hands it the messages and timers it owns (PROBE_TIMER,
// messages whose type starts with "Probe").

import type { Effects, Message } from '../sim/process';
import type { TimeUs } from '../sim/time';
import { formatSpan } from '../sim/time';

export const PROBE_TIMER = 'probe';
const PROBE_BYTES = 64;

export interface ProbePing extends Message {
  readonly type: 'ProbePing';
  readonly sentUs: TimeUs;
}

export interface ProbePong extends Message {
  readonly type: 'ProbePong';
  /** The ping's send time, echoed so the sender needs no table of pings in flight. */
  readonly sentUs: TimeUs;
}

export type ProbeMessage = ProbePing | ProbePong;

export function isProbeMessage(message: Message): message is ProbeMessage {
  return message.type === 'ProbePing' || message.type === 'ProbePong';
}

export interface ProbeConfig {
  readonly intervalUs: TimeUs;
  readonly timeoutUs: TimeUs;
}

export type PeerHealth = 'unknown' | 'reachable' | 'unreachable';

export interface PeerView {
  readonly id: string;
  readonly health: PeerHealth;
  /** Last measured round trip, or null before the first reply. */
  readonly rttUs: TimeUs | null;
}

/**
 * A view lists every peer up to this many; beyond it, only the unreachable peers (a
 * 30-broker cluster's 37 peers per process, in every frame, would be most of the page's traffic).
 */
export const PROBE_VIEW_PEERS_MAX = 16;

export interface ProbeView {
  readonly reachable: number;
  readonly unreachable: number;
  /** Peers probed in all (listed in `peers` or not). */
  readonly peersTotal: number;
  /** The median and the longest last-measured round trip to reachable peers; null before any reply. */
  readonly rttMedianUs: TimeUs | null;
  readonly rttMaxUs: TimeUs | null;
  /** Every peer in placement order when there are at most PROBE_VIEW_PEERS_MAX; otherwise only the unreachable ones. */
  readonly peers: readonly PeerView[];
}

interface PeerState {
  health: PeerHealth;
  lastReplyUs: TimeUs | null;
  rttUs: TimeUs | null;
}

export class NetworkProbe {
  private readonly peers = new Map<string, PeerState>();
  private startedUs = 0;

  constructor(
    private readonly config: ProbeConfig,
    peerIds: readonly string[],
  ) {
    for (const id of peerIds) this.peers.set(id, { health: 'unknown', lastReplyUs: null, rttUs: null });
  }

  start(fx: Effects<Message>): void {
    this.startedUs = fx.nowUs;
    // A random phase so that processes started together do not ping in lockstep.
    fx.setTimer(PROBE_TIMER, fx.prng.int(this.config.intervalUs) + 1);
  }

  handleTimer(fx: Effects<Message>): void {
    this.assess(fx);
    for (const id of this.peers.keys()) {
      const ping: ProbePing = { type: 'ProbePing', bytes: PROBE_BYTES, sentUs: fx.nowUs };
      fx.send(id, ping);
    }
    fx.setTimer(PROBE_TIMER, this.config.intervalUs);
  }

  handleMessage(from: string, message: ProbeMessage, fx: Effects<Message>): void {
    if (message.type === 'ProbePing') {
      const pong: ProbePong = { type: 'ProbePong', bytes: PROBE_BYTES, sentUs: message.sentUs };
      fx.send(from, pong);
      return;
    }
    const peer = this.peers.get(from);
    if (peer === undefined) return;
    peer.lastReplyUs = fx.nowUs;
    peer.rttUs = fx.nowUs - message.sentUs;
    if (peer.health === 'unreachable') {
      peer.health = 'reachable';
      fx.note(`${fx.self} reached ${from} again (round trip ${formatSpan(peer.rttUs)})`);
    } else {
      peer.health = 'reachable';
    }
  }

  /** Marks peers silent for longer than the timeout as unreachable, and notes who was lost. */
  private assess(fx: Effects<Message>): void {
    const lost: string[] = [];
    for (const [id, peer] of this.peers) {
      const heardUs = peer.lastReplyUs ?? this.startedUs;
      const silent = fx.nowUs - heardUs > this.config.timeoutUs;
      if (silent && peer.health !== 'unreachable') {
        peer.health = 'unreachable';
        lost.push(id);
      }
    }
    if (lost.length > 0) {
      fx.note(`${fx.self} lost contact with ${lost.join(', ')} (no reply for ${formatSpan(this.config.timeoutUs)})`);
    }
  }

  view(): ProbeView {
    const listAll = this.peers.size <= PROBE_VIEW_PEERS_MAX;
    const peers: PeerView[] = [];
    const rtts: TimeUs[] = [];
    let reachable = 0;
    let unreachable = 0;
    for (const [id, peer] of this.peers) {
      if (peer.health === 'reachable') {
        reachable++;
        if (peer.rttUs !== null) rtts.push(peer.rttUs);
      }
      if (peer.health === 'unreachable') unreachable++;
      if (listAll || peer.health === 'unreachable') peers.push({ id, health: peer.health, rttUs: peer.rttUs });
    }
    rtts.sort((a, b) => a - b);
    return {
      reachable,
      unreachable,
      peersTotal: this.peers.size,
      rttMedianUs: rtts.length === 0 ? null : rtts[Math.floor(rtts.length / 2)]!,
      rttMaxUs: rtts.length === 0 ? null : rtts[rtts.length - 1]!,
      peers,
    };
  }
}
