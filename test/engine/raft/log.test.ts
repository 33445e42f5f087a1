// Goal: RaftLog keeps KRaft's log rules: appends continue the log exactly and never go back in
// epoch; reads are bounded by bytes but always make progress; truncation never reaches below what
// a snapshot covers; endOffsetForEpoch answers as Kafka's LeaderEpochFileCache.endOffsetFor does;
// the epoch just before any offset the log still knows (including its start, after compaction)
// can be read; snapshots replace a prefix and a fetched snapshot replaces the whole log.
// Method: small hand-written logs for each rule, and endOffsetForEpoch checked against a
// deliberately naive scan on a thousand random logs (etcd's quorum/quick_test.go habit).

import { describe, expect, it } from 'vitest';
import { RaftLog, compareOffsetAndEpoch, type LogEntry, type OffsetAndEpoch, type Snapshot } from '../../../src/engine/raft/log';
import { Prng } from '../../../src/engine/sim/prng';

type Log = RaftLog<string, string[]>;

function entry(offset: number, epoch: number, record = `r${offset}`, bytes = 10): LogEntry<string> {
  return { offset, epoch, record, bytes };
}

/** A log from offset 0 whose entries have these epochs. */
function logWithEpochs(epochs: readonly number[]): Log {
  const log: Log = new RaftLog();
  epochs.forEach((epoch, offset) => log.append([entry(offset, epoch)]));
  return log;
}

function snapshot(endOffset: number, epoch: number, data: string[] = []): Snapshot<string[]> {
  return { endOffset, epoch, data, bytes: 100 };
}

describe('RaftLog: append', () => {
  it('an empty log ends at 0 with epoch 0, and knows the epoch before offset 0', () => {
    const log: Log = new RaftLog();
    expect(log.logStartOffset).toBe(0);
    expect(log.endOffset).toBe(0);
    expect(log.size).toBe(0);
    expect(log.lastEpoch).toBe(0);
    expect(log.lastOffsetAndEpoch()).toEqual({ offset: 0, epoch: 0 });
    expect(log.epochBefore(0)).toBe(0);
    expect(log.snapshot).toBeNull();
    expect(log.bytes()).toBe(0);
  });

  it('appends entries that continue the log exactly, keeping their offsets and epochs', () => {
    const log = logWithEpochs([1, 1, 2]);
    log.append([entry(3, 2), entry(4, 5)]);
    expect(log.endOffset).toBe(5);
    expect(log.size).toBe(5);
    expect(log.lastEpoch).toBe(5);
    expect(log.lastOffsetAndEpoch()).toEqual({ offset: 5, epoch: 5 });
    expect(log.entryAt(3)).toEqual(entry(3, 2));
    expect(log.entryAt(5)).toBeUndefined();
    expect(log.bytes()).toBe(50);
  });

  it('refuses an append that leaves a gap or overwrites, naming both offsets', () => {
    const log = logWithEpochs([1, 1]);
    expect(() => log.append([entry(3, 1)])).toThrow(/append at offset 3, but the log ends at 2/);
    expect(() => log.append([entry(1, 1)])).toThrow(/append at offset 1, but the log ends at 2/);
    expect(log.endOffset).toBe(2);
  });

  it('refuses an entry whose epoch is older than the last one', () => {
    const log = logWithEpochs([1, 3]);
    expect(() => log.append([entry(2, 2)])).toThrow(/epoch 2 at offset 2 is older than the last epoch 3/);
    expect(log.endOffset).toBe(2);
  });

  it('refuses an entry older than the snapshot a fetched snapshot left as the whole log', () => {
    const log: Log = new RaftLog();
    log.installSnapshot(snapshot(10, 4));
    expect(() => log.append([entry(10, 3)])).toThrow(/older than the last epoch 4/);
    log.append([entry(10, 4)]);
    expect(log.endOffset).toBe(11);
  });
});

describe('RaftLog: read', () => {
  it('reads from an offset up to maxBytes, whole entries only', () => {
    const log = logWithEpochs([1, 1, 1, 1, 1]);
    expect(log.read(1, 25).map((e) => e.offset)).toEqual([1, 2]);
    expect(log.read(1, 30).map((e) => e.offset)).toEqual([1, 2, 3]);
    expect(log.read(0, 1_000).map((e) => e.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  it('always returns at least one entry when there is one, however small maxBytes is', () => {
    const log = logWithEpochs([1, 1]);
    expect(log.read(0, 0).map((e) => e.offset)).toEqual([0]);
    expect(log.read(1, 1).map((e) => e.offset)).toEqual([1]);
  });

  it('reads nothing at or past the end', () => {
    const log = logWithEpochs([1, 1]);
    expect(log.read(2, 100)).toEqual([]);
    expect(log.read(7, 100)).toEqual([]);
  });

  it('refuses to read below the log start with a sentence, not a TypeError', () => {
    const log = logWithEpochs([1, 1, 1, 1]);
    log.takeSnapshot(snapshot(3, 1));
    log.compactTo(2);
    expect(() => log.read(1, 100)).toThrow(/below the log start 2/);
    expect(log.read(2, 100).map((e) => e.offset)).toEqual([2, 3]);
  });
});

describe('RaftLog: truncate', () => {
  it('removes every entry at or after the offset and says how many', () => {
    const log = logWithEpochs([1, 1, 2, 2, 3]);
    expect(log.truncateTo(3)).toBe(2);
    expect(log.endOffset).toBe(3);
    expect(log.lastEpoch).toBe(2);
    expect(log.entryAt(3)).toBeUndefined();
  });

  it('removes nothing when the offset is at or past the end', () => {
    const log = logWithEpochs([1, 1]);
    expect(log.truncateTo(2)).toBe(0);
    expect(log.truncateTo(9)).toBe(0);
    expect(log.endOffset).toBe(2);
  });

  it('after a truncation, the log may continue in an older epoch than the one removed', () => {
    const log = logWithEpochs([1, 1, 3]);
    log.truncateTo(2);
    log.append([entry(2, 2)]);
    expect(log.lastOffsetAndEpoch()).toEqual({ offset: 3, epoch: 2 });
  });

  it('never truncates below what the snapshot covers: committed entries never diverge', () => {
    const log = logWithEpochs([1, 1, 1, 2, 2, 2]);
    log.takeSnapshot(snapshot(4, 2));
    expect(() => log.truncateTo(3)).toThrow(/cannot truncate to 3, below the committed floor 4/);
    expect(log.truncateTo(4)).toBe(2);
    log.compactTo(2);
    expect(() => log.truncateTo(1)).toThrow(/below the committed floor 4/);
  });
});

describe('RaftLog: endOffsetForEpoch', () => {
  it('answers as Kafka does on a small log: largest epoch not above the asked one, and where the next begins', () => {
    // offsets:  0  1  2  3  4  5
    // epochs:   1  1  3  3  3  6
    const log = logWithEpochs([1, 1, 3, 3, 3, 6]);
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: 0, offset: 0 });
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, offset: 2 });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, offset: 2 });
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, offset: 5 });
    expect(log.endOffsetForEpoch(5)).toEqual({ epoch: 3, offset: 5 });
    expect(log.endOffsetForEpoch(6)).toEqual({ epoch: 6, offset: 6 });
    expect(log.endOffsetForEpoch(99)).toEqual({ epoch: 6, offset: 6 });
  });

  it('agrees with a naive scan on a thousand random logs', () => {
    // The naive version reads the whole log forward; it shares no code with the one under test.
    const naive = (epochs: readonly number[], asked: number): OffsetAndEpoch => {
      let best = -1;
      for (const epoch of epochs) if (epoch <= asked) best = epoch;
      if (best < 0) return { epoch: 0, offset: 0 };
      let end = 0;
      epochs.forEach((epoch, offset) => {
        if (epoch === best) end = offset + 1;
      });
      return { epoch: best, offset: end };
    };
    const prng = new Prng(2024, 'endOffsetForEpoch');
    for (let trial = 0; trial < 1_000; trial++) {
      const epochs: number[] = [];
      let epoch = prng.int(3);
      const length = prng.int(25);
      for (let index = 0; index < length; index++) {
        if (prng.int(4) === 0) epoch += 1 + prng.int(3);
        epochs.push(epoch);
      }
      const log = logWithEpochs(epochs);
      const top = (epochs.at(-1) ?? 0) + 2;
      for (let asked = 0; asked <= top; asked++) {
        expect(log.endOffsetForEpoch(asked), `trial ${trial}, epochs [${epochs.join(',')}], asked ${asked}`).toEqual(naive(epochs, asked));
      }
    }
  });

  it('after a compaction, still answers for the epochs it kept and for the one at its start', () => {
    // offsets: 0 1 2 3 4 5 6 7
    // epochs:  1 1 2 2 2 4 4 5     snapshot at 6, compacted to 3
    const log = logWithEpochs([1, 1, 2, 2, 2, 4, 4, 5]);
    log.takeSnapshot(snapshot(6, 4));
    log.compactTo(3);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, offset: 5 });
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 2, offset: 5 });
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 4, offset: 7 });
    expect(log.endOffsetForEpoch(9)).toEqual({ epoch: 5, offset: 8 });
  });

  it('a log that is only a fetched snapshot answers with the snapshot', () => {
    const log: Log = new RaftLog();
    log.installSnapshot(snapshot(12, 3));
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, offset: 12 });
    expect(log.endOffsetForEpoch(7)).toEqual({ epoch: 3, offset: 12 });
  });
});

describe('RaftLog: epochBefore', () => {
  it('is the epoch of the entry just before the offset, 0 before offset 0', () => {
    const log = logWithEpochs([1, 2, 2, 5]);
    expect(log.epochBefore(0)).toBe(0);
    expect(log.epochBefore(1)).toBe(1);
    expect(log.epochBefore(3)).toBe(2);
    expect(log.epochBefore(4)).toBe(5);
  });

  it('is unknown (null) past the end of the log', () => {
    const log = logWithEpochs([1, 2]);
    expect(log.epochBefore(3)).toBeNull();
    expect(log.epochBefore(10)).toBeNull();
  });

  it('is unknown below the log start, but known at the start itself after a compaction', () => {
    // The leader checks a follower's (fetchOffset, lastFetchedEpoch) with epochBefore; a follower
    // whose log ends exactly at the leader's log start must be recognised as matching.
    const log = logWithEpochs([1, 1, 2, 2, 3, 3, 3, 3]);
    log.takeSnapshot(snapshot(6, 3));
    log.compactTo(4);
    expect(log.logStartOffset).toBe(4);
    expect(log.epochBefore(3)).toBeNull();
    expect(log.epochBefore(4)).toBe(2);
    expect(log.epochBefore(5)).toBe(3);
    expect(log.epochBefore(6)).toBe(3);
  });

  it('is the snapshot epoch at the end of a log that is only a fetched snapshot', () => {
    const log: Log = new RaftLog();
    log.installSnapshot(snapshot(9, 4));
    expect(log.epochBefore(9)).toBe(4);
    expect(log.epochBefore(8)).toBeNull();
  });
});

describe('RaftLog: snapshots', () => {
  it('takeSnapshot records a snapshot and keeps every entry until compactTo', () => {
    const log = logWithEpochs([1, 1, 1, 2]);
    log.takeSnapshot(snapshot(3, 1, ['a', 'b', 'c']));
    expect(log.snapshot?.endOffset).toBe(3);
    expect(log.logStartOffset).toBe(0);
    expect(log.size).toBe(4);
  });

  it('refuses a snapshot outside the log, naming its bounds', () => {
    const log = logWithEpochs([1, 1, 1, 2]);
    expect(() => log.takeSnapshot(snapshot(5, 2))).toThrow(/snapshot at 5 is outside the log \[0, 4\]/);
    log.takeSnapshot(snapshot(3, 1));
    log.compactTo(3);
    expect(() => log.takeSnapshot(snapshot(2, 1))).toThrow(/snapshot at 2 is outside the log \[3, 4\]/);
  });

  it('compactTo drops the prefix a snapshot covers, and no more', () => {
    const log = logWithEpochs([1, 1, 2, 2, 2]);
    log.takeSnapshot(snapshot(4, 2));
    expect(() => log.compactTo(5)).toThrow(/cannot drop entries below 5; the snapshot ends at 4/);
    log.compactTo(2);
    expect(log.logStartOffset).toBe(2);
    expect(log.endOffset).toBe(5);
    expect(log.size).toBe(3);
    expect(log.entryAt(1)).toBeUndefined();
    expect(log.entryAt(2)).toEqual(entry(2, 2));
    expect(log.read(2, 1_000).map((e) => e.offset)).toEqual([2, 3, 4]);
    expect(log.tail(2).map((e) => e.offset)).toEqual([3, 4]);
  });

  it('compactTo at or below the start does nothing, and without a snapshot refuses any drop', () => {
    const log = logWithEpochs([1, 1, 1]);
    expect(() => log.compactTo(1)).toThrow(/the snapshot ends at 0/);
    log.takeSnapshot(snapshot(2, 1));
    log.compactTo(2);
    log.compactTo(1);
    expect(log.logStartOffset).toBe(2);
  });

  it('compacting everything leaves an empty log whose last epoch is the snapshot epoch', () => {
    const log = logWithEpochs([1, 2, 2]);
    log.takeSnapshot(snapshot(3, 2));
    log.compactTo(3);
    expect(log.size).toBe(0);
    expect(log.lastOffsetAndEpoch()).toEqual({ offset: 3, epoch: 2 });
    log.append([entry(3, 2)]);
    expect(log.endOffset).toBe(4);
  });

  it('installSnapshot replaces the whole log, even entries past the snapshot', () => {
    const log = logWithEpochs([1, 1, 1, 1, 1, 1]);
    log.installSnapshot(snapshot(4, 2, ['x']));
    expect(log.logStartOffset).toBe(4);
    expect(log.endOffset).toBe(4);
    expect(log.size).toBe(0);
    expect(log.lastOffsetAndEpoch()).toEqual({ offset: 4, epoch: 2 });
    expect(log.snapshot?.data).toEqual(['x']);
    expect(() => log.truncateTo(3)).toThrow(/committed floor 4/);
    log.append([entry(4, 2), entry(5, 3)]);
    expect(log.tail(10).map((e) => e.offset)).toEqual([4, 5]);
  });
});

describe('compareOffsetAndEpoch', () => {
  it('compares the epoch first, then the offset, as Raft compares logs', () => {
    expect(compareOffsetAndEpoch({ epoch: 2, offset: 1 }, { epoch: 1, offset: 100 })).toBeGreaterThan(0);
    expect(compareOffsetAndEpoch({ epoch: 2, offset: 5 }, { epoch: 2, offset: 6 })).toBeLessThan(0);
    expect(compareOffsetAndEpoch({ epoch: 3, offset: 6 }, { epoch: 3, offset: 6 })).toBe(0);
  });
});
