// The consumption checker: outside the protocol, fed by every consumer (ConsumerLedger), it checks
// what consumers read against Kafka's promises, and tells the durability oracle which batches were
// read, so a batch that later vanishes from the log (an unclean election) is reported as read.
//
//   no offset backwards   within one leader epoch, a consumer's reads of a partition only move
//                         forward, unless its position was set anew (assignment, reset), which the
//                         consumer reports (Kafka's at-least-once re-reads after a rebalance are legal).
//   never above the HW    every record read is below the high watermark the leader answered with.
//
// Never: changes what a consumer does; keeps more than VIOLATIONS_MAX reports or TRACKED_READERS_MAX
// (consumer, partition) pairs.

import type { ConsumedEvent, ConsumerLedger } from '../clients/consumer';
import type { ReadBatch } from './durability';
import { formatSpan, type TimeUs } from '../sim/time';

export const VIOLATIONS_MAX = 1_000;
export const TRACKED_READERS_MAX = 1_000_000;

export interface ConsumptionViolation {
  readonly kind: 'offset-backwards' | 'above-high-watermark';
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly atUs: TimeUs;
  readonly detail: string;
}

export interface ConsumptionStatus {
  readonly recordsChecked: number;
  readonly violations: number;
  readonly reports: readonly ConsumptionViolation[];
}

/** Where the durability oracle learns which batches were read, and by whom. */
export interface ReadRecorder {
  read(batch: ReadBatch, reader: string): void;
}

interface ReaderState {
  /** The offset after the last record read. */
  nextOffset: number;
  leaderEpoch: number;
}

/**
 * A consumer's read positions in one topic, by partition number: an array, not a Map, as every
 * batch read looks one up (a partition number is a small integer, and a consumer reads a run of them).
 */
type ReadersByPartition = (ReaderState | undefined)[];

/** What the checker leaves in a consumer's ConsumedEvent (`ledgerSlot`): that consumer's partitions of its topic, and its label. */
interface ConsumerSlot {
  readonly consumer: string;
  readonly topic: string;
  readonly partitions: ReadersByPartition;
  readonly label: string;
}

export class ConsumptionChecker implements ConsumerLedger {
  /** Consumer -> topic -> partition -> where its reads got to (nested, so a read builds no key string). */
  private readonly readers = new Map<string, Map<string, ReadersByPartition>>();
  private readerCount = 0;
  private recordsChecked = 0;
  private violationCount = 0;
  private readonly reports: ConsumptionViolation[] = [];
  /** What is handed to the recorder per read, filled in place (it keeps fields, never the object). */
  private readonly readBatch = { topic: '', partition: 0, baseOffset: 0, records: 0, batchId: '' };

  constructor(private readonly recorder: ReadRecorder | null = null) {}

  consumed(event: ConsumedEvent): void {
    const { batch } = event;
    const end = batch.baseOffset + batch.records;
    this.recordsChecked += end - event.fromOffset;
    let slot = event.ledgerSlot as ConsumerSlot | null;
    if (slot === null || slot.consumer !== event.consumer || slot.topic !== event.topic) event.ledgerSlot = slot = this.slotOf(event);
    const partitions = slot.partitions;
    const last = partitions[event.partition];
    if (last !== undefined && last.leaderEpoch === event.leaderEpoch && event.fromOffset < last.nextOffset) {
      this.violate(event, 'offset-backwards', `read offset ${event.fromOffset} after ${last.nextOffset - 1}, in the same leader epoch ${event.leaderEpoch}, without its position being set anew`);
    }
    if (end > event.highWatermark) {
      this.violate(event, 'above-high-watermark', `read up to offset ${end - 1}, but the leader's high watermark was ${event.highWatermark}: records not yet on every in-sync replica`);
    }
    if (last === undefined) {
      if (this.readerCount < TRACKED_READERS_MAX) {
        partitions[event.partition] = { nextOffset: end, leaderEpoch: event.leaderEpoch };
        this.readerCount++;
      }
    } else {
      last.nextOffset = end;
      last.leaderEpoch = event.leaderEpoch;
    }
    if (this.recorder !== null) {
      this.readBatch.topic = event.topic;
      this.readBatch.partition = event.partition;
      this.readBatch.baseOffset = batch.baseOffset;
      this.readBatch.records = batch.records;
      this.readBatch.batchId = batch.batchId;
      this.recorder.read(this.readBatch, slot.label);
    }
  }

  positioned(consumer: string, topic: string, partition: number): void {
    const partitions = this.readers.get(consumer)?.get(topic);
    if (partitions === undefined || partitions[partition] === undefined) return;
    partitions[partition] = undefined;
    this.readerCount--;
  }

  /** The consumer's slot: its partitions of the topic (the map `positioned` deletes from), and "consumer-1 (group billing)", shared by every read it records. */
  private slotOf(event: ConsumedEvent): ConsumerSlot {
    let topics = this.readers.get(event.consumer);
    if (topics === undefined) this.readers.set(event.consumer, (topics = new Map()));
    let partitions = topics.get(event.topic);
    if (partitions === undefined) topics.set(event.topic, (partitions = []));
    return { consumer: event.consumer, topic: event.topic, partitions, label: `${event.consumer} (group ${event.groupId})` };
  }

  private violate(event: ConsumedEvent, kind: ConsumptionViolation['kind'], what: string): void {
    this.violationCount++;
    if (this.reports.length >= VIOLATIONS_MAX) return;
    this.reports.push({
      kind,
      consumer: event.consumer,
      topic: event.topic,
      partition: event.partition,
      atUs: event.atUs,
      detail: `${event.consumer} ${what} (${event.topic}-${event.partition}, at ${formatSpan(event.atUs)})`,
    });
  }

  status(): ConsumptionStatus {
    return { recordsChecked: this.recordsChecked, violations: this.violationCount, reports: this.reports };
  }
}
