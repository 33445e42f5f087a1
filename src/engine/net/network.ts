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

/**
 * A directed link's state is one record of LINK_STRIDE doubles in one array, so a route touches
 * one cache line (8 doubles: 64 bytes) for its link rather than one line in each of seven arrays.
 */
const LINK_STRIDE = 8;
/** When the last message on the link arrives (FIFO: the next one arrives no earlier). */
const LINK_LAST_ARRIVAL_US = 0;
/** slow-link faults' extra latency. */
const LINK_EXTRA_LATENCY_US = 1;
/** lossy-link faults' loss. */
const LINK_LOSS_PER_MILLION = 2;
/** throttle-link faults' cap; 0: none. */
const LINK_BYTES_PER_SECOND = 3;
/** When a throttled link is free to send again. */
const LINK_FREE_AT_US = 4;
/** Bytes ever sent on the link. */
const LINK_BYTES = 5;
/** 1 while a partition cuts the link. */
const LINK_BLOCKED = 6;
/** The zones' latency (intra-zone, cross-zone or regional), found once per link when its endpoints are placed. */
const LINK_BASE_LATENCY_US = 7;

export class Network {
  private readonly zoneNames: string[];
  private readonly zoneIndexByName = new Map<string, number>();
  private readonly endpointIndexById = new Map<string, number>();
  private readonly endpointIds: string[] = [];
  private endpointZone: Int32Array;
  private nicFreeAtUs: Float64Array;

  // Number fields start as numbers (see "Field representations" in docs/architecture.md): a field
  // declared without a value is defined as undefined first (ES2022 class fields), and V8 then keeps
  // it "tagged", so every load of it in optimized code checks for a heap number.
  // Directed link state: the link from -> to is the record at (from * capacity + to) * LINK_STRIDE.
  private capacity = 0;
  private links: Float64Array;
  /** Some link has a lossy-link fault (route draws no chance without one, or a loss configured). */
  private anyLinkLoss = false;
  /** Some link is cut (a partition fault): otherwise canReach, asked at every delivery, needs no link lookup. */
  private anyLinkBlocked = false;
  /** Some link is throttled (a rate cap). */
  private anyLinkThrottled = false;
  /**
   * A route may be refused or capped: a link cut, a loss (configured or a fault) or a throttle. Without
   * one, route takes its short path (routeOpen), small enough for V8 to inline into the kernel's send.
   */
  private anyRouteFault = false;
  /** Copies of the config's hot numbers, read on every route. */
  private readonly lossPerMillion: number = 0;
  private readonly jitterUs: number = 0;
  private readonly nicBytesPerSecond: number = 0;

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
    this.links = new Float64Array(this.capacity * this.capacity * LINK_STRIDE);
    this.lossPerMillion = config.lossPerMillion;
    this.anyRouteFault = config.lossPerMillion > 0;
    this.jitterUs = config.jitterUs;
    this.nicBytesPerSecond = config.nicBytesPerSecond;
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
    for (let other = 0; other <= index; other++) {
      const otherZone = this.endpointZone[other]!;
      this.links[(index * this.capacity + other) * LINK_STRIDE + LINK_BASE_LATENCY_US] = this.baseLatencyUs(zoneIndex, otherZone);
      this.links[(other * this.capacity + index) * LINK_STRIDE + LINK_BASE_LATENCY_US] = this.baseLatencyUs(otherZone, zoneIndex);
    }
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
    if (this.anyRouteFault) return this.routeFaulted(from, to, bytes, nowUs);
    // routeFaulted's steps with no cut, no loss and no rate cap (the same arithmetic, the same draw).
    const links = this.links;
    const link = (from * this.capacity + to) * LINK_STRIDE;
    const nicFreeAtUs = this.nicFreeAtUs[from]!;
    const departUs = nowUs > nicFreeAtUs ? nowUs : nicFreeAtUs;
    const sentUs = departUs + Math.ceil((bytes * 1_000_000) / this.nicBytesPerSecond);
    this.nicFreeAtUs[from] = sentUs;
    const jitter = this.jitterUs > 0 ? this.prng.int(this.jitterUs + 1) : 0;
    let arrivalUs = sentUs + links[link + LINK_BASE_LATENCY_US]! + links[link + LINK_EXTRA_LATENCY_US]! + jitter;
    const lastArrivalUs = links[link + LINK_LAST_ARRIVAL_US]!;
    if (arrivalUs < lastArrivalUs) arrivalUs = lastArrivalUs;
    links[link + LINK_LAST_ARRIVAL_US] = arrivalUs;
    links[link + LINK_BYTES] = links[link + LINK_BYTES]! + bytes;
    const pair = this.endpointZone[from]! * this.zoneNames.length + this.endpointZone[to]!;
    this.zoneBytes[pair] = this.zoneBytes[pair]! + bytes;
    this.zoneMessages[pair] = this.zoneMessages[pair]! + 1;
    return arrivalUs;
  }

  /** route() while some fault or loss applies: every step, in this order. */
  private routeFaulted(from: number, to: number, bytes: number, nowUs: TimeUs): number {
    const links = this.links;
    const link = (from * this.capacity + to) * LINK_STRIDE;
    if (links[link + LINK_BLOCKED] === 1) {
      this.droppedByPartition++;
      return Refusal.Partitioned;
    }
    // The same draws as before the links were interleaved: a chance only where some loss applies.
    const loss = this.anyLinkLoss ? Math.max(this.lossPerMillion, links[link + LINK_LOSS_PER_MILLION]!) : this.lossPerMillion;
    if (loss > 0 && this.prng.chancePerMillion(loss)) {
      this.droppedByLoss++;
      return Refusal.Lost;
    }
    const nicFreeAtUs = this.nicFreeAtUs[from]!;
    const departUs = nowUs > nicFreeAtUs ? nowUs : nicFreeAtUs;
    let sentUs = departUs + Math.ceil((bytes * 1_000_000) / this.nicBytesPerSecond);
    this.nicFreeAtUs[from] = sentUs;
    const linkRate = links[link + LINK_BYTES_PER_SECOND]!;
    if (linkRate > 0) {
      sentUs = Math.max(sentUs, links[link + LINK_FREE_AT_US]!) + Math.ceil((bytes * 1_000_000) / linkRate);
      links[link + LINK_FREE_AT_US] = sentUs;
    }
    const jitter = this.jitterUs > 0 ? this.prng.int(this.jitterUs + 1) : 0;
    let arrivalUs = sentUs + links[link + LINK_BASE_LATENCY_US]! + links[link + LINK_EXTRA_LATENCY_US]! + jitter;
    const lastArrivalUs = links[link + LINK_LAST_ARRIVAL_US]!;
    if (arrivalUs < lastArrivalUs) arrivalUs = lastArrivalUs;
    links[link + LINK_LAST_ARRIVAL_US] = arrivalUs;
    links[link + LINK_BYTES] = links[link + LINK_BYTES]! + bytes;
    const pair = this.endpointZone[from]! * this.zoneNames.length + this.endpointZone[to]!;
    this.zoneBytes[pair] = this.zoneBytes[pair]! + bytes;
    this.zoneMessages[pair] = this.zoneMessages[pair]! + 1;
    return arrivalUs;
  }

  /** False when a partition now separates the two endpoints (checked again on delivery). */
  canReach(from: number, to: number): boolean {
    return !this.anyLinkBlocked || this.links[(from * this.capacity + to) * LINK_STRIDE + LINK_BLOCKED] === 0;
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
      sent += this.links[(index * this.capacity + other) * LINK_STRIDE + LINK_BYTES]!;
      received += this.links[(other * this.capacity + index) * LINK_STRIDE + LINK_BYTES]!;
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
    const links = this.links;
    for (let link = 0; link < cap * cap; link++) {
      const at = link * LINK_STRIDE;
      links[at + LINK_BLOCKED] = 0;
      links[at + LINK_EXTRA_LATENCY_US] = 0;
      links[at + LINK_LOSS_PER_MILLION] = 0;
      links[at + LINK_BYTES_PER_SECOND] = 0;
    }
    this.anyLinkLoss = false;
    this.anyLinkBlocked = false;
    this.anyLinkThrottled = false;
    const eachLink = (from: number, to: number, bothWays: boolean, apply: (at: number) => void): void => {
      apply((from * cap + to) * LINK_STRIDE);
      if (bothWays) apply((to * cap + from) * LINK_STRIDE);
    };
    for (const fault of this.faults) {
      switch (fault.kind) {
        case 'isolate-process': {
          const isolated = this.indexOf(fault.process);
          for (let other = 0; other < count; other++) {
            if (other === isolated) continue;
            links[(isolated * cap + other) * LINK_STRIDE + LINK_BLOCKED] = 1;
            links[(other * cap + isolated) * LINK_STRIDE + LINK_BLOCKED] = 1;
            this.anyLinkBlocked = true;
          }
          break;
        }
        case 'isolate-zone': {
          const zone = this.zoneIndexByName.get(fault.zone)!;
          for (let a = 0; a < count; a++) {
            for (let b = 0; b < count; b++) {
              const inside = (this.endpointZone[a] === zone) !== (this.endpointZone[b] === zone);
              if (inside) {
                links[(a * cap + b) * LINK_STRIDE + LINK_BLOCKED] = 1;
                this.anyLinkBlocked = true;
              }
            }
          }
          break;
        }
        case 'cut-link':
          this.anyLinkBlocked = true;
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (at) => (links[at + LINK_BLOCKED] = 1));
          break;
        case 'slow-link':
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (at) => {
            links[at + LINK_EXTRA_LATENCY_US] = links[at + LINK_EXTRA_LATENCY_US]! + fault.extraLatencyUs;
          });
          break;
        case 'lossy-link':
          this.anyLinkLoss = true;
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (at) => {
            links[at + LINK_LOSS_PER_MILLION] = Math.max(links[at + LINK_LOSS_PER_MILLION]!, fault.lossPerMillion);
          });
          break;
        case 'throttle-link':
          this.anyLinkThrottled = true;
          eachLink(this.indexOf(fault.from), this.indexOf(fault.to), fault.bothWays, (at) => {
            const current = links[at + LINK_BYTES_PER_SECOND]!;
            links[at + LINK_BYTES_PER_SECOND] = current > 0 ? Math.min(current, fault.bytesPerSecond) : fault.bytesPerSecond;
          });
          break;
      }
    }
    this.anyRouteFault = this.anyLinkBlocked || this.anyLinkLoss || this.anyLinkThrottled || this.lossPerMillion > 0;
  }

  /** Moves every link record to a table of `capacity` x `capacity` (endpoints keep their indices). */
  private grow(capacity: number): void {
    const old = this.capacity;
    const count = this.endpointIds.length;
    const links = new Float64Array(capacity * capacity * LINK_STRIDE);
    for (let from = 0; from < count; from++) {
      links.set(this.links.subarray(from * old * LINK_STRIDE, (from * old + count) * LINK_STRIDE), from * capacity * LINK_STRIDE);
    }
    this.links = links;
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
