// The consumer's KIP-227 session handler when the consumer names the slots it refilled.
// Goal: a send that compares only the refilled slots (as consumer.ts does after an answer moved a
// position or two) builds the very request the followers' FetchSessionHandler builds from the
// whole list, and a list of slots that does not fit the array sent last is not trusted.
// Method: random sends, answers and errors over 200 seeds against the reference handler; then the
// fallback cases by hand.

import { describe, expect, it } from 'vitest';
import { FetchSessionHandler, INITIAL_EPOCH, INVALID_SESSION_ID } from '../../../src/engine/broker/fetch-session';
import type { ConsumerFetchPartition } from '../../../src/engine/broker/group-protocol';
import { ConsumerFetchSessionHandler } from '../../../src/engine/clients/fetch-session-client';
import { Prng } from '../../../src/engine/sim/prng';

const TOPIC = 'orders';
const entry = (partition: number, offset: number): ConsumerFetchPartition => ({ topic: TOPIC, partition, key: `${TOPIC}-${partition}`, fetchOffset: offset, currentLeaderEpoch: 1, lastFetchedEpoch: -1 });

describe('a consumer naming the slots it refilled', () => {
  it('over 200 seeds, gets the requests FetchSessionHandler builds from the whole list', () => {
    let refilledSends = 0;
    let emptySends = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const prng = new Prng(seed, 'refilled-slots');
      const lean = new ConsumerFetchSessionHandler();
      const reference = new FetchSessionHandler();
      const entries = new Map<number, ConsumerFetchPartition>();
      for (let partition = 0; partition < 6; partition++) entries.set(partition, entry(partition, 0));
      let slots: ConsumerFetchPartition[] = [...entries.values()];
      for (let step = 0; step < 60; step++) {
        const roll = prng.int(12);
        let regroup = roll === 9;
        if (roll < 7) {
          // Answers move positions: one partition, sometimes two.
          for (let moves = 1 + (roll === 0 ? 1 : 0); moves > 0; moves--) {
            const partition = [...entries.keys()][prng.int(entries.size)]!;
            entries.set(partition, entry(partition, entries.get(partition)!.fetchOffset + 1));
          }
        } else if (roll === 7 && entries.size > 1) {
          entries.delete([...entries.keys()][prng.int(entries.size)]!); // revoked, or led elsewhere now: a regroup
          regroup = true;
        } else if (roll === 8) {
          const partition = prng.int(8);
          if (!entries.has(partition)) {
            entries.set(partition, entry(partition, 0)); // newly assigned: a regroup
            regroup = true;
          }
        }
        let refilled: number[] | null = null;
        if (regroup) {
          slots = [...entries.values()];
        } else {
          // consumer.ts refills only the slots whose position moved (here also, now and then, one that did not).
          refilled = [];
          [...entries.values()].forEach((part, slot) => {
            if (slots[slot] !== part || prng.int(8) === 0) refilled!.push(slot);
            slots[slot] = part;
          });
          refilledSends++;
          if (refilled.length === 0) emptySends++;
        }
        const built = lean.build(slots, refilled);
        expect({ ...built }, `seed ${seed}, step ${step}`).toEqual(reference.build(slots));
        const answer = prng.int(20);
        if (answer === 0) {
          lean.handleError();
          reference.handleError();
        } else {
          const error = answer === 1 ? 'FETCH_SESSION_ID_NOT_FOUND' : answer === 2 ? 'INVALID_FETCH_SESSION_EPOCH' : 'NONE';
          const sessionId = built.sessionId === INVALID_SESSION_ID ? 1 + prng.int(1000) : built.sessionId;
          expect(lean.handleResponse(error, sessionId)).toBe(reference.handleResponse(error, sessionId));
        }
        expect(lean.session).toEqual(reference.session);
      }
    }
    // Both kinds of send were exercised: refilled lists, and sends where nothing moved (a wake by a high watermark).
    expect(refilledSends).toBeGreaterThan(5_000);
    expect(emptySends).toBeGreaterThan(100);
  });

  it('is not trusted for an array other than the one sent last: every slot is compared', () => {
    const session = new ConsumerFetchSessionHandler();
    const first = [entry(0, 0), entry(1, 0), entry(2, 0)];
    expect(session.build(first).sessionEpoch).toBe(INITIAL_EPOCH);
    expect(session.handleResponse('NONE', 7)).toBe(true);

    // A regroup: a new array in which partition 2 moved, with an (empty) list of refilled slots.
    const regrouped = [first[0]!, first[1]!, entry(2, 5)];
    const built = session.build(regrouped, []);
    expect(built.sessionEpoch).toBe(1);
    expect(built.partitions.map((part) => part.fetchOffset)).toEqual([5]);
    expect(session.handleResponse('NONE', 7)).toBe(true);

    // The same array, one slot shorter (partition 1 revoked): the list is not trusted either, and 1 is forgotten.
    regrouped.splice(1, 1);
    const shorter = session.build(regrouped, []);
    expect(shorter.partitions).toEqual([]);
    expect(shorter.forgotten.map((part) => part.partition)).toEqual([1]);
  });
});

describe("a request's one-entry list of changes", () => {
  // Most sends change one partition, so the handler reuses one array for that list. The broker
  // reads a request when it takes it in: an answered request's list is free, a lost one's is not
  // (it may still be on its way, or waiting for a disk read, and must arrive as it was sent).
  it('is reused after an answer, and never rewritten under a request that went unanswered', () => {
    const handler = new ConsumerFetchSessionHandler();
    const slots = [entry(0, 0), entry(1, 0)];
    handler.build(slots);
    handler.handleResponse('NONE', 7); // the FULL answer opens session 7

    slots[1] = entry(1, 10);
    const first = handler.build(slots, [1]).partitions;
    expect(first).toEqual([slots[1]]);
    handler.handleResponse('NONE', 7);

    slots[0] = entry(0, 5);
    const second = handler.build(slots, [0]).partitions;
    expect(second).toBe(first); // answered: the same array, rewritten
    expect(second).toEqual([slots[0]]);

    // This request is lost (a timeout): it keeps its list; the next send (FULL, then INCREMENTAL) gets another.
    handler.handleError();
    const lost = second;
    const lostEntry = lost[0];
    handler.build(slots);
    handler.handleResponse('NONE', 8);
    slots[1] = entry(1, 20);
    const third = handler.build(slots, [1]).partitions;
    expect(third).not.toBe(lost);
    expect(third).toEqual([slots[1]]);
    expect(lost).toEqual([lostEntry]);
  });
});
