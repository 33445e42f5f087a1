// The network between simulated processes: zones, latency, bandwidth, loss and partitions.
//
// Owns: where each endpoint lives, the state of every directed link (last arrival, bytes, extra
// latency, loss, bandwidth cap), each endpoint's NIC egress queue, the active partition faults and
// the byte counters per zone pair (cross-zone traffic is a cloud bill the playground shows).
// Never: reads a clock or draws chance from anywhere but its own forked PRNG.
//
// A message's arrival time is
//   depart  = max(now, sender NIC free)            the NIC sends one message at a time
//   sent    = depart + bytes / NIC bandwidth        (and again through a capped link, if any)
//   arrival = sent + base latency + link extra + jitter
//   arrival = max(arrival, previous arrival on this link)
// The last line keeps each directed link FIFO, as a TCP connection is: Kafka's protocols rely on
// requests on one connection being answered in order.

import type { Prng } from '../sim/prng';
import type { TimeUs } from '../sim/time';

export interface NetworkConfig {
  /** Availability zone names, for example ["zone-a", "zone-b", "zone-c"]. */
  readonly zones: readonly string[];
  readonly intraZoneLatencyUs: number;
  readonly crossZoneLatencyUs: number;
  /** Latency from any zone to a regional service (the object store). */
  readonly regionalLatencyUs: number;
  /** Each message gets an extra delay drawn uniformly from [0, jitterUs]. */
  readonly jitterUs: number;
  /** Egress bandwidth of each endpoint's network interface. */
  readonly nicBytesPerSecond: number;
  /** Chance that any one message is lost, in parts per million. */
  readonly lossPerMillion: number;
}

/** The pseudo-zone of regional services, reachable from every zone at `regionalLatencyUs`. */
export const REGIONAL = 'region';

export type NetworkFault =
  | { readonly kind: 'isolate-process'; readonly process: string }
  | { readonly kind: 'isolate-zone'; readonly zone: string }
  | { readonly kind: 'cut-link'; readonly from: string; readonly to: string; readonly bothWays: boolean }
  | { readonly kind: 'slow-link'; readonly from: string; readonly to: string; readonly extraLatencyUs: number; readonly bothWays: boolean }
  | { readonly kind: 'lossy-link'; readonly from: string; readonly to: string; readonly lossPerMillion: number; readonly bothWays: boolean }
  | { readonly kind: 'throttle-link'; readonly from: string; readonly to: string; readonly bytesPerSecond: number; readonly bothWays: boolean };

/** Why `route` refused a message: negative, so never a valid arrival time. */
export const Refusal = { Partitioned: -1, Lost: -2 } as const;

export interface ZoneTraffic {
  readonly from: string;
  readonly to: string;
  readonly bytes: number;
  readonly messages: number;
}

export interface NetworkStats {
  readonly bytesTotal: number;
  readonly messagesTotal: number;
  readonly crossZoneBytes: number;
  readonly droppedByPartition: number;
  readonly droppedByLoss: number;
  /** Bytes per ordered zone pair, only pairs that carried traffic, in zone order. */
  readonly zoneTraffic: readonly ZoneTraffic[];
}

/** Upper bound on endpoints: link state is O(n²) and must stay small enough to snapshot. */
export const ENDPOINTS_MAX = 1024;

export class Network {
  private readonly zoneNames: string[];
  private readonly zoneIndexByName = new Map<string, number>();
  private readonly endpointIndexById = new Map<string, number>();
  private readonly endpointIds: string[] = [];
  private endpointZone: Int32Array;
  private nicFreeAtUs: Float64Array;

  // Directed link state, indexed from * capacity + to.
  private capacity: number;
  private lastArrivalUs: Float64Array;
  private linkExtraLatencyUs: Float64Array;
  private linkLossPerMillion: Int32Array;
  private linkBytesPerSecond: Float64Array;
  private linkFreeAtUs: Float64Array;
  private linkBytes: Float64Array;
  private blocked: Uint8Array;

  // Bytes and messages per ordered zone pair; the last zone index is REGIONAL.
  private readonly zoneBytes: Float64Array;
  private readonly zoneMessages: Float64Array;
  private droppedByPartition = 0;
  private droppedByLoss = 0;

  private faults: NetworkFault[] = [];

  constructor(
    private readonly config: NetworkConfig,
    private readonly prng: Prng,
  ) {
    this.zoneNames = [...config.zones, REGIONAL];
    this.zoneNames.forEach((name, index) => this.zoneIndexByName.set(name, index));
    const zoneCount = this.zoneNames.length;
    this.zoneBytes = new Float64Array(zoneCount * zoneCount);
    this.zoneMessages = new Float64Array(zoneCount * zoneCount);
    this.capacity = 16;
    this.endpointZone = new Int32Array(this.capacity);
    this.nicFreeAtUs = new Float64Array(this.capacity);
    const links = this.capacity * this.capacity;
    this.lastArrivalUs = new Float64Array(links);
    this.linkExtraLatencyUs = new Float64Array(links);
    this.linkLossPerMillion = new Int32Array(links);
    this.linkBytesPerSecond = new Float64Array(links);
    this.linkFreeAtUs = new Float64Array(links);
    this.linkBytes = new Float64Array(links);
    this.blocked = new Uint8Array(links);
  }

  get zones(): readonly string[] {
    return this.config.zones;
  }

  get endpointCount(): number {
    return this.endpointIds.length;
  }

  /** Places an endpoint in a zone (or REGIONAL) and returns its index; indices start at 0. */
  addEndpoint(id: string, zone: string): number {
    const zoneIndex = this.zoneIndexByName.get(zone);
    if (zoneIndex === undefined) {
      throw new Error(`network: zone "${zone}" of "${id}" does not exist; zones are ${this.zoneNames.join(', ')}`);
    }
    if (this.endpointIndexById.has(id)) throw new Error(`network: endpoint "${id}" is already placed`);
    if (this.endpointIds.length >= ENDPOINTS_MAX) {
      throw new Error(`network: at most ${ENDPOINTS_MAX} endpoints; "${id}" would be one more`);
    }
    const index = this.endpointIds.length;
    if (index >= this.capacity) this.grow(this.capacity * 2);
    this.endpointIds.push(id);
    this.endpointIndexById.set(id, index);
    this.endpointZone[index] = zoneIndex;
    this.rebuildBlocked();
    return index;
  }

  zoneOf(id: string): string {
    return this.zoneNames[this.endpointZone[this.indexOf(id)]!]!;
  }

  /**
   * Sends `bytes` from endpoint `from` to endpoint `to` at `nowUs`. Returns the arrival time, or a
   * negative Refusal when a partition blocks the link or the message is lost.
   */
  route(from: number, to: number, bytes: number, nowUs: TimeUs): number {
    const link = from * this.capacity + to;
    if (this.blocked[link] === 1) {
      this.droppedByPartition++;
      return Refusal.Partitioned;
    }
    const loss = Math.max(this.config.lossPerMillion, this.linkLossPerMillion[link]!);
    if (loss > 0 && this.prng.chancePerMillion(loss)) {
      this.droppedByLoss++;
      return Refusal.Lost;
    }
    const departUs = Math.max(nowUs, this.nicFreeAtUs[from]!);
    let sentUs = departUs + Math.ceil((bytes * 1_000_000) / this.config.nicBytesPerSecond);
    this.nicFreeAtUs[from] = sentUs;
    const linkRate = this.linkBytesPerSecond[link]!;
    if (linkRate > 0) {
      sentUs = Math.max(sentUs, this.linkFreeAtUs[link]!) + Math.ceil((bytes * 1_000_000) / linkRate);
      this.linkFreeAtUs[link] = sentUs;
    }
    const fromZone = this.endpointZone[from]!;
    const toZone = this.endpointZone[to]!;
    const jitter = this.config.jitterUs > 0 ? this.prng.int(this.config.jitterUs + 1) : 0;
    let arrivalUs = sentUs + this.baseLatencyUs(fromZone, toZone) + this.linkExtraLatencyUs[link]! + jitter;
    if (arrivalUs < this.lastArrivalUs[link]!) arrivalUs = this.lastArrivalUs[link]!;
    this.lastArrivalUs[link] = arrivalUs;
    this.linkBytes[link] = this.linkBytes[link]! + bytes;
    const pair = fromZone * this.zoneNames.length + toZone;
    this.zoneBytes[pair] = this.zoneBytes[pair]! + bytes;
    this.zoneMessages[pair] = this.zoneMessages[pair]! + 1;
    return arrivalUs;
  }

  /** False when a partition now separates the two endpoints (checked again on delivery). */
  canReach(from: number, to: number): boolean {
    return this.blocked[from * this.capacity + to] === 0;
  }

  /** Records a drop of a message that was in flight when a partition cut its link. */
  countInFlightDrop(): void {
    this.droppedByPartition++;
  }

  // ---- faults -------------------------------------------------------------------------------

  /** Adds a fault after checking that every process and zone it names exists. */
  inject(fault: NetworkFault): void {
    switch (fault.kind) {
      case 'isolate-process':
        this.indexOf(fault.process);
        break;
      case 'isolate-zone':
        if (!this.config.zones.includes(fault.zone)) {
          throw new Error(`network: no zone "${fault.zone}"; zones are ${this.config.zones.join(', ')}`);
        }
        break;
      default:
        this.indexOf(fault.from);
        this.indexOf(fault.to);
        if (fault.from === fault.to) throw new Error(`network: a link joins two processes; got "${fault.from}" twice`);
    }
    this.faults.push(fault);
    this.rebuildBlocked();
  }

  /** Removes every fault (no argument), or those that name the given process, zone or link. */
  heal(target?: string): number {
    const before = this.faults.length;
    this.faults = target === undefined ? [] : this.faults.filter((fault) => !faultNames(fault, target));
    this.rebuildBlocked();
    return before - this.faults.length;
  }

  activeFaults(): readonly NetworkFault[] {
    return this.faults;
  }

  isIsolated(processOrZone: string): boolean {
    return this.faults.some(
      (fault) =>
        (fault.kind === 'isolate-process' && fault.process === processOrZone) ||
        (fault.kind === 'isolate-zone' && fault.zone === processOrZone),
    );
  }

  // ---- accounting ---------------------------------------------------------------------------

  stats(): NetworkStats {
    const zoneCount = this.zoneNames.length;
    const regional = zoneCount - 1;
    const zoneTraffic: ZoneTraffic[] = [];
    let bytesTotal = 0;
    let messagesTotal = 0;
    let crossZoneBytes = 0;
    for (let from = 0; from < zoneCount; from++) {
      for (let to = 0; to < zoneCount; to++) {
        const bytes = this.zoneBytes[from * zoneCount + to]!;
        const messages = this.zoneMessages[from * zoneCount + to]!;
        bytesTotal += bytes;
        messagesTotal += messages;
        if (from !== to && from !== regional && to !== regional) crossZoneBytes += bytes;
        if (messages > 0) zoneTraffic.push({ from: this.zoneNames[from]!, to: this.zoneNames[to]!, bytes, messages });
      }
    }
    return {
      bytesTotal,
      messagesTotal,
      crossZoneBytes,
      droppedByPartition: this.droppedByPartition,
      droppedByLoss: this.droppedByLoss,
      zoneTraffic,
    };
  }

  /** Bytes sent by one endpoint to all others, and received by it. */
  endpointBytes(index: number): { sent: number; received: number } {
    let sent = 0;
    let received = 0;
    for (let other = 0; other < this.endpointIds.length; other++) {
      sent += this.linkBytes[index * this.capacity + other]!;
      received += this.linkBytes[other * this.capacity + index]!;
    }
    return { sent, received };
  }

  // ---- internals ----------------------------------------------------------------------------

  private indexOf(id: string): number {
    const index = this.endpointIndexById.get(id);
    if (index === undefined) {
      throw new Error(`network: no process "${id}"; processes are ${this.endpointIds.join(', ')}`);
    }
    return index;
  }

  private baseLatencyUs(fromZone: number, toZone: number): number {
    const regional = this.zoneNames.length - 1;
    if (fromZone === regional || toZone === regional) return this.config.regionalLatencyUs;
    return fromZone === toZone ? this.config.intraZoneLatencyUs : this.config.crossZoneLatencyUs;
  }

  /** Recomputes the per-link fault state from the list of faults: O(endpoints²), on change only. */
  private rebuildBlocked(): void {
    const count = this.endpointIds.length;
    const cap = this.capacity;
    this.blocked.fill(0);
    this.linkExtraLatencyUs.fill(0);
    this.linkLossPerMillion.fill(0);
    this.linkBytesPerSecond.fill(0);
    const eachLink = (from: number, to: number, bothWays: boolean, apply: (link: number) => void): void => {
      apply(from * cap + to);
      if (bothWays) apply(to * cap + from);
    };
    for (const fault of this.faults) {
      switch (fault.kind) {
        case 'isolate-process': {
          const isolated = this.indexOf(fault.process);
          for (let other = 0; other < count; other++) {
            if (other === isolated) continue;
            this.blocked[isolated * cap + other] = 1;
            this.blocked[other * cap + isolated] = 1;
          }
          break;
        }
        case 'isolate-zone': {
          const zone = this.zoneIndexByName.get(fault.zone)!;
          for (let a = 0; a < count; a++) {
            for (let b = 0; b < count; b++) {
              const inside = (this.endpointZone[a] === zone) !== (this.endpointZone[b] === zone);
              if (inside) this.blocked[a * cap + b] = 1;
            }
          }
          break;
        }
        case 'cut-link':
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (link) => (this.blocked[link] = 1));
          break;
        case 'slow-link':
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (link) => {
            this.linkExtraLatencyUs[link] = this.linkExtraLatencyUs[link]! + fault.extraLatencyUs;
          });
          break;
        case 'lossy-link':
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (link) => {
            this.linkLossPerMillion[link] = Math.max(this.linkLossPerMillion[link]!, fault.lossPerMillion);
          });
          break;
        case 'throttle-link':
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (link) => {
            const current = this.linkBytesPerSecond[link]!;
            this.linkBytesPerSecond[link] = current > 0 ? Math.min(current, fault.bytesPerSecond) : fault.bytesPerSecond;
          });
          break;
      }
    }
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    const count = this.endpointIds.length;
    const regrow = <A extends Float64Array | Int32Array | Uint8Array>(source: A, make: (n: number) => A): A => {
      const target = make(capacity * capacity);
      for (let from = 0; from < count; from++) {
        target.set(source.subarray(from * old, from * old + count), from * capacity);
      }
      return target;
    };
    this.lastArrivalUs = regrow(this.lastArrivalUs, (n) => new Float64Array(n));
    this.linkExtraLatencyUs = regrow(this.linkExtraLatencyUs, (n) => new Float64Array(n));
    this.linkLossPerMillion = regrow(this.linkLossPerMillion, (n) => new Int32Array(n));
    this.linkBytesPerSecond = regrow(this.linkBytesPerSecond, (n) => new Float64Array(n));
    this.linkFreeAtUs = regrow(this.linkFreeAtUs, (n) => new Float64Array(n));
    this.linkBytes = regrow(this.linkBytes, (n) => new Float64Array(n));
    this.blocked = regrow(this.blocked, (n) => new Uint8Array(n));
    const zones = new Int32Array(capacity);
    zones.set(this.endpointZone.subarray(0, count));
    this.endpointZone = zones;
    const nic = new Float64Array(capacity);
    nic.set(this.nicFreeAtUs.subarray(0, count));
    this.nicFreeAtUs = nic;
    this.capacity = capacity;
  }
}

function faultNames(fault: NetworkFault, target: string): boolean {
  switch (fault.kind) {
    case 'isolate-process':
      return fault.process === target;
    case 'isolate-zone':
      return fault.zone === target;
    default:
      return fault.from === target || fault.to === target;
  }
}
