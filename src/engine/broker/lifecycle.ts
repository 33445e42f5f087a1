// A broker's life with the controller (Kafka's BrokerLifecycleManager, KIP-631), and the partition
// leader's ISR requests (AlterPartition, KIP-497).
//
// States, with Kafka's BrokerState names:
//   STARTING --registered--> RECOVERY --heartbeat answers "unfenced"--> RUNNING
//   RUNNING --heartbeat answers "fenced" (the session expired)--> RECOVERY
//   RUNNING | RECOVERY --operator asks for a controlled shutdown--> PENDING_CONTROLLED_SHUTDOWN
//   PENDING_CONTROLLED_SHUTDOWN --controller says it may stop--> SHUTTING_DOWN, then the process exits
// The broker finds the active controller through its metadata-log fetcher (the quorum leader),
// registers once per life (a new incarnation each start), and heartbeats every
// broker.heartbeat.interval.ms with the metadata offset it has applied.
//
// ISR changes are the replica manager's (replica-manager.ts): it asks the controller with
// AlterPartition when a follower falls behind or catches up.

import type { MetadataImage } from '../controller/image';
import type {
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  BrokerRegistrationRequest,
  BrokerRegistrationResponse,
} from '../controller/messages';
import type { Effects, Message } from '../sim/process';
import type { TimeUs } from '../sim/time';

export type BrokerState = 'STARTING' | 'RECOVERY' | 'RUNNING' | 'PENDING_CONTROLLED_SHUTDOWN' | 'SHUTTING_DOWN';

const TIMER_HEARTBEAT = 'broker:heartbeat';
const RPC_BYTES = 64;

export interface LifecycleSettings {
  readonly rack: string;
  readonly heartbeatIntervalUs: TimeUs;
  /** Resend a registration or heartbeat that got no answer after this long. */
  readonly requestTimeoutUs: TimeUs;
}

export interface LifecycleView {
  readonly state: BrokerState;
  readonly brokerEpoch: number | null;
  readonly controller: string | null;
  readonly fenced: boolean;
  readonly leaderOf: number;
  readonly followerOf: number;
  readonly lastHeartbeatAckUs: TimeUs | null;
}

export class BrokerLifecycle {
  private state: BrokerState = 'STARTING';
  private brokerEpoch: number | null = null;
  private incarnation = 0;
  private controller: string | null = null;
  private fenced = true;
  private wantShutdown = false;
  private inFlightSinceUs: TimeUs | null = null;
  private lastHeartbeatAckUs: TimeUs | null = null;

  constructor(
    private readonly self: string,
    private readonly settings: LifecycleSettings,
    private readonly image: MetadataImage,
    /** The offset of the metadata log this broker has applied. */
    private readonly appliedOffset: () => number,
    /** Called once per life, when the broker first becomes RUNNING. */
    private readonly onRunning: (fx: Effects<Message>) => void = () => undefined,
    /** Called just before a controlled shutdown ends the life (Kafka's LogManager.shutdown flushes every log then). */
    private readonly onShutdown: () => void = () => undefined,
  ) {}

  start(fx: Effects<Message>): void {
    this.incarnation = fx.prng.nextU32();
    fx.setTimer(TIMER_HEARTBEAT, 1);
  }

  /** The quorum leader changed: requests go there from now on. */
  onControllerChange(controller: string | null, fx: Effects<Message>): void {
    this.controller = controller;
    this.inFlightSinceUs = null;
    if (controller !== null) this.communicate(fx);
  }

  requestShutdown(fx: Effects<Message>): void {
    if (this.state === 'SHUTTING_DOWN' || this.state === 'PENDING_CONTROLLED_SHUTDOWN') return;
    this.wantShutdown = true;
    this.state = 'PENDING_CONTROLLED_SHUTDOWN';
    fx.note(`${this.self} begins a controlled shutdown: it asks the controller to move its leadership away first`);
    this.inFlightSinceUs = null;
    this.communicate(fx);
  }

  handleTimer(key: string, fx: Effects<Message>): boolean {
    if (key !== TIMER_HEARTBEAT) return false;
    this.communicate(fx);
    fx.setTimer(TIMER_HEARTBEAT, this.settings.heartbeatIntervalUs);
    return true;
  }

  /** Registers if not yet registered, else heartbeats; one request in flight at a time. */
  private communicate(fx: Effects<Message>): void {
    if (this.controller === null || this.state === 'SHUTTING_DOWN') return;
    if (this.inFlightSinceUs !== null && fx.nowUs - this.inFlightSinceUs < this.settings.requestTimeoutUs) return;
    this.inFlightSinceUs = fx.nowUs;
    if (this.brokerEpoch === null) {
      const request: BrokerRegistrationRequest = {
        type: 'BrokerRegistration',
        bytes: RPC_BYTES + 96,
        brokerId: this.self,
        rack: this.settings.rack,
        incarnation: this.incarnation,
      };
      fx.send(this.controller, request);
      return;
    }
    const request: BrokerHeartbeatRequest = {
      type: 'BrokerHeartbeat',
      bytes: RPC_BYTES + 24,
      brokerId: this.self,
      brokerEpoch: this.brokerEpoch,
      metadataOffset: this.appliedOffset(),
      wantShutdown: this.wantShutdown,
    };
    fx.send(this.controller, request);
  }

  /** Registration and heartbeat answers (AlterPartition answers go to the replica manager). */
  handleResponse(from: string, response: BrokerRegistrationResponse | BrokerHeartbeatResponse, fx: Effects<Message>): void {
    if (from !== this.controller) return;
    this.inFlightSinceUs = null;
    if (response.error === 'NOT_CONTROLLER') return; // the next heartbeat goes to the new leader
    if (response.type === 'BrokerRegistrationResponse') return this.handleRegistration(response, fx);
    this.handleHeartbeat(response, fx);
  }

  private handleRegistration(response: BrokerRegistrationResponse, fx: Effects<Message>): void {
    if (response.error !== 'NONE') return;
    this.brokerEpoch = response.brokerEpoch;
    if (this.state === 'STARTING') this.state = 'RECOVERY';
    fx.note(`${this.self} registered with broker epoch ${response.brokerEpoch}; fenced until it catches up with the metadata log`);
    this.communicate(fx); // first heartbeat right away
  }

  private handleHeartbeat(response: BrokerHeartbeatResponse, fx: Effects<Message>): void {
    if (response.error === 'STALE_BROKER_EPOCH') {
      // The controller does not know this registration (for example it was never committed): register again.
      this.brokerEpoch = null;
      this.communicate(fx);
      return;
    }
    if (response.error !== 'NONE') return;
    this.lastHeartbeatAckUs = fx.nowUs;
    if (response.shouldShutDown && this.wantShutdown) {
      this.state = 'SHUTTING_DOWN';
      this.onShutdown();
      fx.exit('controlled shutdown complete: it led no partition any more');
      return;
    }
    const wasFenced = this.fenced;
    this.fenced = response.isFenced;
    if (this.wantShutdown) return;
    if (!this.fenced && this.state !== 'RUNNING') {
      this.state = 'RUNNING';
      fx.note(`${this.self} is RUNNING: unfenced by the controller`);
      this.onRunning(fx);
    } else if (this.fenced && !wasFenced && this.state === 'RUNNING') {
      this.state = 'RECOVERY';
      fx.note(`${this.self} learned it was fenced; it heartbeats on to be unfenced`);
    }
  }

  /** The epoch the controller gave this broker at registration (null before): read on every replica fetch, so no view is built for it. */
  get currentBrokerEpoch(): number | null {
    return this.brokerEpoch;
  }

  view(): LifecycleView {
    // Counts the image keeps as it replays: a view is taken every frame, so no walk of every partition.
    const leaderOf = this.image.leaderCounts().get(this.self) ?? 0;
    const followerOf = this.image.replicaCount(this.self) - leaderOf;
    return {
      state: this.state,
      brokerEpoch: this.brokerEpoch,
      controller: this.controller,
      fenced: this.fenced,
      leaderOf,
      followerOf,
      lastHeartbeatAckUs: this.lastHeartbeatAckUs,
    };
  }
}
