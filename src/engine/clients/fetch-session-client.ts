// The consumer's side of a KIP-227 fetch session with one broker: Kafka's FetchSessionHandler
// (clients/.../FetchSessionHandler.java) with the rules of broker/fetch-session.ts's
// FetchSessionHandler (which followers use): FULL with no session (or after an error), else
// INCREMENTAL naming only the partitions added or changed, and those to forget; after
// FETCH_SESSION_ID_NOT_FOUND it starts over (INITIAL), after another session error or a lost answer
// it closes the session it had and asks for a new one (nextCloseExisting).
//
// Shaped for the consumer's sends (one per fetch answer, some fifty a second per broker): the
// consumer refills one array per broker, in a fixed order until its partitions are regrouped, so
// while the same array comes back each slot is compared with the entry sent from it last time
// (entries are immutable and reused while unchanged: "changed" is "another object"), and nothing is
// truncated or copied per send. An answer moves ~1 of a broker's ~8 partitions, so the consumer
// names the slots it refilled (`refilledSlots`) and only those are compared: a send costs what
// changed, not what is fetched, and no lookup by key (the by-key map is brought up to date only
// when the consumer regroups). The result is one object per handler, refilled by each build.
//
// Never: reads a clock or draws chance; holds partitions beyond those the consumer fetched from
// the broker (the session's, bounded by the consumer's PARTITIONS_MAX).

import { FetchSessionEpochs, INITIAL_EPOCH, type FetchSessionRequest, type RefilledFetchSessionRequest } from '../broker/fetch-session';
import type { FetchPartitionRequest, ForgottenPartition } from '../broker/protocol';

const NO_PARTITIONS: readonly FetchPartitionRequest[] = [];
const NO_FORGOTTEN: readonly ForgottenPartition[] = [];

export class ConsumerFetchSessionHandler extends FetchSessionEpochs {
  /**
   * The partitions the broker's session holds, by key, in the order they joined it (the order of
   * `forgotten`). While the same array comes back it always equals the entries of `lastSent`, so
   * those sends compare slots only and leave it stale (`heldStale`); it is brought up to date from
   * `lastSent` when a regroup needs a lookup by key (a Map set keeps a key's place).
   */
  private readonly held = new Map<string, FetchPartitionRequest>();
  private heldStale = false;
  /** The array the last request was built from, and the entry each of its slots held then. */
  private lastNext: readonly FetchPartitionRequest[] | null = null;
  private readonly lastSent: FetchPartitionRequest[] = [];
  /** What build returns, refilled by each build (the caller copies its fields into the request at once). */
  private readonly built: RefilledFetchSessionRequest = {
    sessionId: 0,
    sessionEpoch: INITIAL_EPOCH,
    partitions: NO_PARTITIONS,
    forgotten: NO_FORGOTTEN,
  };
  /**
   * A one-entry list of changed partitions (most sends change one partition), reused from request
   * to request: `singleOut` while the request built last carries it and is unanswered. An answer
   * frees it (the broker read it when it took the request in); a request that timed out may still
   * be on its way, so it keeps its list and the next one is a new array.
   */
  private single: FetchPartitionRequest[] | null = null;
  private singleOut = false;

  /** FetchSessionEpochs.handleResponse; the request built last was answered, so its one-entry list is free again. */
  override handleResponse(error: string, sessionId: number): boolean {
    this.singleOut = false;
    return super.handleResponse(error, sessionId);
  }

  /** FetchSessionEpochs.handleError (no answer); a one-entry list the lost request carries stays its own. */
  override handleError(): void {
    if (this.singleOut) this.single = null;
    this.singleOut = false;
    super.handleError();
  }

  /**
   * The request for `next`: every partition to fetch from this broker now, in order (the caller
   * may refill it in place afterwards). With `refilledSlots` (its first `refilledCount`,
   * ascending), the caller says that `next` is the array of the last build and that only those
   * slots were refilled since: the others are not looked at. Valid until the next build.
   */
  build(next: readonly FetchPartitionRequest[], refilledSlots: ArrayLike<number> | null = null, refilledCount = refilledSlots === null ? 0 : refilledSlots.length): FetchSessionRequest {
    this.sentEpoch = this.nextEpoch;
    const sameSlots = next === this.lastNext && next.length === this.lastSent.length;
    this.lastNext = next;
    const built = this.built;
    built.sessionId = this.sessionId;
    built.sessionEpoch = this.nextEpoch;
    built.forgotten = NO_FORGOTTEN;
    if (this.nextEpoch === INITIAL_EPOCH) {
      this.held.clear();
      for (const part of next) this.held.set(part.key, part);
      this.heldStale = false;
      copyInto(this.lastSent, next);
      built.partitions = next.slice();
      return built;
    }
    let changed: FetchPartitionRequest[] | null = null;
    if (!sameSlots) {
      changed = this.compareByKey(next);
      if (this.held.size > next.length) built.forgotten = this.forget(next);
    } else if (refilledSlots !== null) {
      if (refilledCount === 1) {
        built.partitions = this.compareOneSlot(next, refilledSlots[0]!);
        return built;
      }
      for (let index = 0; index < refilledCount; index++) changed = this.compareSlot(next, refilledSlots[index]!, changed);
    } else {
      for (let slot = 0; slot < next.length; slot++) changed = this.compareSlot(next, slot, changed);
    }
    built.partitions = changed ?? NO_PARTITIONS;
    return built;
  }

  /** compareSlot when it is the only slot refilled: the change, if any, in the one-entry list (see `single`). */
  private compareOneSlot(next: readonly FetchPartitionRequest[], slot: number): readonly FetchPartitionRequest[] {
    const part = next[slot]!;
    if (this.lastSent[slot] === part) return NO_PARTITIONS;
    this.lastSent[slot] = part;
    this.heldStale = true;
    let single = this.single;
    if (single === null || this.singleOut) single = this.single = [part]; // the first, or (built again before an answer) a new one
    else single[0] = part;
    this.singleOut = true;
    return single;
  }

  /**
   * One slot of the array sent last time against the entry sent from it then: the session holds
   * that one (held's entry for the same key), so another object is a change. Returns `changed`.
   */
  private compareSlot(next: readonly FetchPartitionRequest[], slot: number, changed: FetchPartitionRequest[] | null): FetchPartitionRequest[] | null {
    const part = next[slot]!;
    if (this.lastSent[slot] === part) return changed;
    this.lastSent[slot] = part;
    this.heldStale = true;
    return withChange(changed, part);
  }

  /** Another array (a regroup): each entry against the session's by key. Returns the changed ones. */
  private compareByKey(next: readonly FetchPartitionRequest[]): FetchPartitionRequest[] | null {
    const held = this.held;
    if (this.heldStale) {
      for (const part of this.lastSent) held.set(part.key, part);
      this.heldStale = false;
    }
    let changed: FetchPartitionRequest[] | null = null;
    for (const part of next) {
      if (held.get(part.key) === part) continue;
      held.set(part.key, part);
      changed = withChange(changed, part);
    }
    copyInto(this.lastSent, next);
    return changed;
  }

  /** Some partition is no longer fetched from this broker (revoked, or led elsewhere now): the session forgets it. */
  private forget(next: readonly FetchPartitionRequest[]): ForgottenPartition[] {
    const keep = new Set<string>();
    for (const part of next) keep.add(part.key);
    const gone: ForgottenPartition[] = [];
    for (const [key, part] of this.held) {
      if (keep.has(key)) continue;
      gone.push({ topic: part.topic, partition: part.partition, key });
      this.held.delete(key);
    }
    return gone;
  }
}

/** `changed` with `part` added: an array literal of one at first, not `[]` then push (a push on an empty array reserves 17 slots, and most sends change one partition). */
function withChange(changed: FetchPartitionRequest[] | null, part: FetchPartitionRequest): FetchPartitionRequest[] {
  if (changed === null) return [part];
  changed.push(part);
  return changed;
}

/** `target` becomes a copy of `source` (its length set only when it differs). */
function copyInto<T>(target: T[], source: readonly T[]): void {
  if (target.length !== source.length) target.length = source.length;
  for (let index = 0; index < source.length; index++) target[index] = source[index]!;
}
