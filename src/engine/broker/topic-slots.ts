// Values found by topic and partition number: one array per topic, indexed by partition number, and
// the last topic asked kept apart (a run of requests names one topic after another). The hot paths
// (a produced batch's partition, a follower's answer, a fetched partition's log) find theirs with one
// string compare and an array index instead of hashing a "topic-partition" key and probing a Map
// whose entries are rarely in the CPU's cache.
//
// Owns: the slot arrays, packed (no holes: V8 keeps them in its fast elements kind). Bound: one slot
// per partition number of a topic set here, so the owner's bound (the topics and partitions it
// hosts) is this one's. Never: iterates (its owner's Map keeps the insertion order traces follow).

export class TopicSlots<T> {
  private readonly byTopic = new Map<string, (T | undefined)[]>();
  private lastTopic: string | null = null;
  private lastSlots: (T | undefined)[] = [];

  /** The value at the partition, if set. A lookup never adds a topic: only set does. */
  at(topic: string, partition: number): T | undefined {
    if (topic === this.lastTopic) return this.lastSlots[partition];
    const slots = this.byTopic.get(topic);
    if (slots === undefined) return undefined;
    this.lastTopic = topic;
    this.lastSlots = slots;
    return slots[partition];
  }

  /** Sets (or, with undefined, clears) the partition's slot. */
  set(topic: string, partition: number, value: T | undefined): void {
    const slots = this.slotsOf(topic);
    while (slots.length < partition) slots.push(undefined);
    slots[partition] = value;
  }

  private slotsOf(topic: string): (T | undefined)[] {
    if (topic === this.lastTopic) return this.lastSlots;
    let slots = this.byTopic.get(topic);
    if (slots === undefined) {
      slots = [];
      this.byTopic.set(topic, slots);
    }
    this.lastTopic = topic;
    this.lastSlots = slots;
    return slots;
  }
}
