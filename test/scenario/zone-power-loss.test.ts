// Goal: the lesson zone-power-loss.json teaches what its captions say. One zone losing power loses
// no acknowledged record (replicas elsewhere hold them); every zone losing power together loses
// acknowledged records of the topic that does not fsync, for the cause the oracle names, and none of
// the topic with flush.messages=1.
// Method: the library file run headless once; the durability oracle's reports read per topic, and
// the brokers' disks read directly to show why.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';
import { logsOf } from '../engine/inspect';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILE = 'public/scenarios/zone-power-loss.json';
const SECOND = 1_000_000;

describe('the zone power loss lesson', () => {
  const run = new ScenarioRun(parseScenarioText(readFileSync(`${ROOT}${FILE}`, 'utf8'), FILE));

  it('zone-a losing power costs broker-1 its unwritten tail, but no acknowledged record', () => {
    run.advance(25 * SECOND + 1);
    const orders = logsOf(run.engine, 'broker-1').get('orders-0')!;
    expect(orders.lostToPowerLoss).toBeGreaterThan(5_000); // about 20 s of 1,000 records/s, all unwritten
    expect(logsOf(run.engine, 'broker-1').get('payments-0')!.lostToPowerLoss).toBeLessThan(50); // fsynced at every write: at most a fetch in flight
    run.advance(65 * SECOND);
    expect(run.engine.durability().lostRecords).toBe(0);
    expect(run.engine.durability().acknowledgedRecords).toBeGreaterThan(100_000);
  });

  it('every zone losing power together loses acknowledged orders, for the cause the oracle names, and no payments', () => {
    const report = run.runToEnd();
    expect(report.expectations.every((expectation) => expectation.passed)).toBe(true);
    const durability = run.engine.durability();
    expect(durability.lostRecords).toBeGreaterThan(10_000); // the writes of the last 30 s before 70 s, on every replica
    expect(durability.losses.length).toBeGreaterThan(0);
    for (const loss of durability.losses) {
      expect(loss.topic).toBe('orders');
      expect(loss.cause).toMatch(/its in-sync replicas lost power together/);
    }
    // The lost records were acknowledged within the 30 s before the power went: the OS had written back the older ones.
    const oldest = Math.min(...durability.losses.map((loss) => loss.ackedUs));
    expect(oldest).toBeGreaterThan(35 * SECOND);
    expect(run.engine.notableLog().some((entry) => entry.label.includes('flushed payments-0 to disk'))).toBe(true);
  });
});
