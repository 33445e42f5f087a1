// Goal: the scenario runner does what the file says, at the moment it says: "at" steps at their
// exact time, "when" steps once at the first check where their condition holds, expectations "at",
// "by", "always" and at the end decided as documented in runner.ts, presenter pauses stopping the
// page's playback (and only noted headless), steps that no longer apply skipped without stopping
// the run, partial runs leaving later checks undecided, and captions kept out of the trace.
// Method: small inline scenarios (three processes: controller-1, broker-1, broker-2) whose story is
// told with crashes and restarts, so the metrics they check (processes.up, processes.crashed,
// process.up) change exactly when the timeline says. Runs are advanced by hand to look between
// events. Conditions are checked every 100 ms of simulated time, so a crash at 2.05 s is first seen
// at 2.1 s.

import { describe, expect, it } from 'vitest';
import { CHECK_INTERVAL_US, ScenarioRun, type ExpectationResult, type RunOptions, type ScenarioReport } from '../../src/engine/scenario/runner';
import type { ScenarioInput } from '../../src/engine/scenario/schema';
import { parseScenario, type ValidScenario } from '../../src/engine/scenario/validate';

const SECOND_US = 1_000_000;
const CLUSTER = { zones: 3, controllers: 1, brokers: 2 };

function scenario(story: Partial<ScenarioInput>): ValidScenario {
  return parseScenario({ name: 'a small story', duration: '10s', cluster: CLUSTER, ...story });
}

function start(story: Partial<ScenarioInput>, options: RunOptions = {}): ScenarioRun {
  return new ScenarioRun(scenario(story), options);
}

function verdictOf(results: readonly ExpectationResult[], name: string): ExpectationResult {
  const found = results.find((result) => result.name === name);
  if (found === undefined) throw new Error(`no expectation "${name}"; there are: ${results.map((result) => result.name).join(' | ')}`);
  return found;
}

function isUp(run: ScenarioRun, id: string): boolean {
  return run.engine.processes().find((process) => process.id === id)?.status === 'up';
}

const crash = (process: string) => ({ kind: 'crash' as const, process });
const restart = (process: string) => ({ kind: 'restart' as const, process });

it('checks conditions every 100 ms of simulated time', () => {
  // The stories below count on it.
  expect(CHECK_INTERVAL_US).toBe(100_000);
});

describe('"at" steps', () => {
  it('fire at their exact time: the action is applied then, and the moment recorded', () => {
    const run = start({ timeline: [{ at: '1.234s', action: crash('broker-1'), caption: 'broker-1 is gone.' }] });
    run.advance(1_233_999);
    expect(isUp(run, 'broker-1')).toBe(true);
    expect(run.drainMoments()).toEqual([]);

    run.advance(1_234_000);
    expect(isUp(run, 'broker-1')).toBe(false);
    expect(run.engine.recordedInputs()).toEqual([{ atUs: 1_234_000, fault: crash('broker-1') }]);
    expect(run.drainMoments()).toEqual([
      { index: 0, kind: 'action', atUs: 1_234_000, text: 'crash broker-1', step: 0 },
      { index: 1, kind: 'caption', atUs: 1_234_000, text: 'broker-1 is gone.', step: 0 },
    ]);
  });

  it('apply a list of actions in order', () => {
    const run = start({ timeline: [{ at: '2s', action: [crash('broker-1'), crash('broker-2')] }] });
    const report = run.runToEnd();
    expect(report.actions).toEqual([
      { atMs: 2_000, text: 'crash broker-1' },
      { atMs: 2_000, text: 'crash broker-2' },
    ]);
    expect(report.metrics['processes.up']).toBe(1);
  });

  it('check their "expect" right after their action, under a name that says when and what', () => {
    const run = start({ timeline: [{ at: '2s', action: crash('broker-1'), expect: { metric: 'process.up', process: 'broker-1', op: '==', value: 0 } }] });
    const name = 'at 2s: process.up{broker-1} == 0';
    run.advance(SECOND_US);
    expect(verdictOf(run.expectations(), name)).toEqual({ name, passed: null, detail: 'not checked: its time was not reached' });
    run.advance(2 * SECOND_US);
    expect(verdictOf(run.expectations(), name)).toEqual({ name, passed: true, detail: 'process.up for broker-1 was 0 at 2s; expected == 0' });
    expect(run.drainMoments().filter((moment) => moment.kind === 'check')).toEqual([
      { index: 1, kind: 'check', atUs: 2 * SECOND_US, text: `${name}: process.up for broker-1 was 0 at 2s; expected == 0`, passed: true, step: 0 },
    ]);
  });

  it('report two identical checks at one time separately, each with its own verdict', () => {
    // broker-1 is crashed by the first step and restarted by the second, both at 5s: the first
    // check holds, the second does not. (They once shared one verdict: the second overwrote the
    // first, and the renamed one stayed "not checked" forever.)
    const check = { metric: 'process.up', process: 'broker-1', op: '==' as const, value: 0 };
    const report = start({
      timeline: [
        { at: '5s', action: crash('broker-1'), expect: check },
        { at: '5s', action: restart('broker-1'), expect: check },
      ],
    }).runToEnd();
    expect(report.expectations.map(({ name, passed }) => ({ name, passed }))).toEqual([
      { name: 'at 5s: process.up{broker-1} == 0', passed: true },
      { name: 'at 5s: process.up{broker-1} == 0 (2)', passed: false },
    ]);
  });

  it('keep their check apart from an expectation that happens to carry the same name', () => {
    const name = 'at 2s: process.up{broker-1} == 0';
    const report = start({
      timeline: [{ at: '2s', action: crash('broker-1'), expect: { metric: 'process.up', process: 'broker-1', op: '==', value: 0 } }],
      expectations: [{ name, metric: 'processes.up', op: '==', value: 3, at: '8s' }],
    }).runToEnd();
    expect(report.expectations).toEqual([
      { name, passed: true, detail: 'process.up for broker-1 was 0 at 2s; expected == 0' },
      { name: `${name} (2)`, passed: false, detail: 'processes.up was 2 at 8s; expected == 3' },
    ]);
  });
});

describe('"when" steps', () => {
  it('fire once, at the first 100 ms check where their condition holds', () => {
    const run = start({
      timeline: [
        { at: '2.05s', action: crash('broker-1') },
        { when: { metric: 'processes.crashed', op: '>=', value: 1 }, caption: 'Someone is down.' },
      ],
    });
    run.advance(2_099_999);
    expect(run.allMoments().filter((moment) => moment.step === 1)).toEqual([]);
    run.runToEnd();
    // The condition held at every check from 2.1s to the end; the step fired at the first only.
    expect(run.allMoments().filter((moment) => moment.step === 1)).toEqual([
      { index: 1, kind: 'caption', atUs: 2_100_000, text: 'Someone is down.', step: 1 },
    ]);
  });

  it('fire at 0 when their condition holds from the start', () => {
    const run = start({ timeline: [{ when: { metric: 'processes.up', op: '==', value: 3 }, caption: 'All up.' }] });
    run.advance(0);
    expect(run.drainMoments()).toEqual([{ index: 0, kind: 'caption', atUs: 0, text: 'All up.', step: 0 }]);
  });

  it('do not fire again when their condition comes back', () => {
    // The step restarts whatever crashed; a second crash later is left alone.
    const report = start({
      timeline: [
        { at: '2.05s', action: crash('broker-1') },
        { when: { metric: 'process.up', process: 'broker-1', op: '==', value: 0 }, action: restart('broker-1') },
        { at: '6s', action: crash('broker-1') },
      ],
    }).runToEnd();
    expect(report.actions).toEqual([
      { atMs: 2_050, text: 'crash broker-1' },
      { atMs: 2_100, text: 'restart broker-1' },
      { atMs: 6_000, text: 'crash broker-1' },
    ]);
    expect(report.metrics['processes.crashed']).toBe(1);
  });

  it('fail their check at the end of a complete run when their condition never held: no silent pass', () => {
    const run = start({
      timeline: [{ when: { metric: 'processes.crashed', op: '>', value: 0 }, expect: { metric: 'processes.up', op: '==', value: 2 } }],
    });
    run.advance(1_000_000);
    // Midway the check is only undecided ...
    expect(run.expectations()).toEqual([{ name: 'timeline[0]: processes.up == 2', passed: null, detail: 'not checked: its condition never held' }]);
    const report = run.runToEnd();
    // ... at the end it failed: the story did not go as the scenario says.
    expect(report.expectations).toEqual([{ name: 'timeline[0]: processes.up == 2', passed: false, detail: 'never checked: its condition never held' }]);
    expect(report.passed).toBe(false);
    expect(report.complete).toBe(true);
  });
});

describe('expectations "at"', () => {
  it('are checked at exactly their time, after the timeline step of the same instant', () => {
    const report = start({
      timeline: [{ at: '3s', action: crash('broker-1') }],
      expectations: [
        { name: 'up just before', metric: 'process.up', process: 'broker-1', op: '==', value: 1, at: '2.999999s' },
        { name: 'down at the crash', metric: 'process.up', process: 'broker-1', op: '==', value: 0, at: '3s' },
      ],
    }).runToEnd();
    expect(verdictOf(report.expectations, 'up just before').passed).toBe(true);
    expect(verdictOf(report.expectations, 'down at the crash')).toEqual({
      name: 'down at the crash',
      passed: true,
      detail: 'process.up for broker-1 was 0 at 3s; expected == 0',
    });
  });
});

describe('expectations "by"', () => {
  it('fail when the condition held at the start but broke before the deadline', () => {
    const report = start({
      timeline: [{ at: '2s', action: crash('broker-1') }],
      expectations: [{ name: 'all up by 5s', metric: 'processes.up', op: '==', value: 3, by: '5s' }],
    }).runToEnd();
    expect(verdictOf(report.expectations, 'all up by 5s')).toEqual({
      name: 'all up by 5s',
      passed: false,
      detail: 'did not hold by 5s: processes.up was 2 at 5s; expected == 3',
    });
    expect(report.passed).toBe(false);
  });

  it('pass when the condition comes to hold and stays, saying since when', () => {
    const report = start({
      timeline: [{ at: '2.05s', action: crash('broker-1') }],
      expectations: [{ name: 'the crash shows by 5s', metric: 'processes.crashed', op: '==', value: 1, by: '5s' }],
    }).runToEnd();
    expect(verdictOf(report.expectations, 'the crash shows by 5s')).toEqual({
      name: 'the crash shows by 5s',
      passed: true,
      detail: 'held since 2.1s: processes.crashed was 1 at 5s; expected == 1',
    });
  });

  it('count from the recovery when the condition breaks and comes back before the deadline', () => {
    const report = start({
      timeline: [
        { at: '1s', action: crash('broker-1') },
        { at: '3s', action: restart('broker-1') },
      ],
      expectations: [{ name: 'all up again by 5s', metric: 'processes.up', op: '==', value: 3, by: '5s' }],
    }).runToEnd();
    expect(verdictOf(report.expectations, 'all up again by 5s').detail).toBe('held since 3s: processes.up was 3 at 5s; expected == 3');
  });

  it('fail when the condition holds before the deadline and breaks just before it', () => {
    const report = start({
      timeline: [
        { at: '2s', action: crash('broker-1') },
        { at: '4.95s', action: restart('broker-1') },
      ],
      expectations: [{ name: 'the crash shows by 5s', metric: 'processes.crashed', op: '==', value: 1, by: '5s' }],
    }).runToEnd();
    expect(verdictOf(report.expectations, 'the crash shows by 5s').passed).toBe(false);
  });

  it('stay undecided until the deadline', () => {
    const run = start({
      timeline: [{ at: '2s', action: crash('broker-1') }],
      expectations: [{ name: 'the crash shows by 5s', metric: 'processes.crashed', op: '==', value: 1, by: '5s' }],
    });
    run.advance(4_999_999);
    expect(verdictOf(run.expectations(), 'the crash shows by 5s')).toEqual({
      name: 'the crash shows by 5s',
      passed: null,
      detail: 'not checked: its time was not reached',
    });
    run.advance(5 * SECOND_US);
    expect(verdictOf(run.expectations(), 'the crash shows by 5s').passed).toBe(true);
  });
});

describe('expectations "always"', () => {
  it('report the first violation, and only that one', () => {
    const run = start({
      timeline: [
        { at: '2.05s', action: crash('broker-1') },
        { at: '2.5s', action: restart('broker-1') },
        { at: '6s', action: [crash('broker-1'), crash('broker-2')] },
      ],
      expectations: [{ name: 'all up', metric: 'processes.up', op: '==', value: 3, always: true }],
    });
    const report = run.runToEnd();
    expect(verdictOf(report.expectations, 'all up')).toEqual({ name: 'all up', passed: false, detail: 'broken: processes.up was 2 at 2.1s; expected == 3' });
    expect(run.allMoments().filter((moment) => moment.kind === 'check')).toEqual([
      { index: 1, kind: 'check', atUs: 2_100_000, text: 'all up: broken: processes.up was 2 at 2.1s; expected == 3', passed: false },
    ]);
  });

  it('hold when the condition holds at every check and at the end', () => {
    const report = start({ expectations: [{ name: 'nobody crashed', metric: 'processes.crashed', op: '==', value: 0, always: true }] }).runToEnd();
    expect(verdictOf(report.expectations, 'nobody crashed')).toEqual({
      name: 'nobody crashed',
      passed: true,
      detail: 'held at every check, to the end (last: processes.crashed was 0 at 10s; expected == 0)',
    });
  });

  it('see only what is true at a check: a blip between two checks goes unnoticed', () => {
    // Documented sampling: checks every 100 ms, and a crash at 2.01s healed at 2.05s falls between.
    const report = start({
      timeline: [
        { at: '2.01s', action: crash('broker-1') },
        { at: '2.05s', action: restart('broker-1') },
      ],
      expectations: [{ name: 'all up', metric: 'processes.up', op: '==', value: 3, always: true }],
    }).runToEnd();
    expect(verdictOf(report.expectations, 'all up').passed).toBe(true);
  });
});

describe('expectations at the end', () => {
  it('are decided at the end of the run, once, and undecided before it', () => {
    const run = start({
      timeline: [{ at: '9.99s', action: crash('broker-1') }],
      expectations: [
        { name: 'one crashed at the end', metric: 'processes.crashed', op: '==', value: 1 },
        { name: 'all up at the end', metric: 'processes.up', op: '==', value: 3 },
      ],
    });
    run.advance(9_999_999);
    expect(run.report().expectations).toEqual([
      { name: 'one crashed at the end', passed: null, detail: 'not checked: the run did not reach its end' },
      { name: 'all up at the end', passed: null, detail: 'not checked: the run did not reach its end' },
    ]);
    const report = run.runToEnd();
    expect(report.expectations).toEqual([
      { name: 'one crashed at the end', passed: true, detail: 'processes.crashed was 1 at 10s; expected == 1' },
      { name: 'all up at the end', passed: false, detail: 'processes.up was 2 at 10s; expected == 3' },
    ]);
    expect(report.passed).toBe(false);
    const checks = run.allMoments().filter((moment) => moment.kind === 'check').length;
    run.report();
    expect(run.allMoments().filter((moment) => moment.kind === 'check')).toHaveLength(checks);
  });
});

describe('presenter pauses', () => {
  const paused: Partial<ScenarioInput> = {
    timeline: [
      { at: '3s', pause: 'Ask the room: what happens next?' },
      { at: '3s', caption: 'After the pause.' },
      { at: '6s', pause: true },
    ],
  };

  it('stop the page\'s advance right at the pause, and the next advance goes on', () => {
    const run = start(paused, { pauses: 'stop' });
    expect(run.advance(10 * SECOND_US)).toBe(true);
    expect(run.engine.nowUs).toBe(3 * SECOND_US);
    expect(run.done).toBe(false);
    expect(run.drainMoments()).toEqual([{ index: 0, kind: 'pause', atUs: 3 * SECOND_US, text: 'Ask the room: what happens next?', step: 0 }]);

    expect(run.advance(10 * SECOND_US)).toBe(true);
    expect(run.engine.nowUs).toBe(6 * SECOND_US);
    expect(run.drainMoments()).toEqual([
      { index: 1, kind: 'caption', atUs: 3 * SECOND_US, text: 'After the pause.', step: 1 },
      { index: 2, kind: 'pause', atUs: 6 * SECOND_US, text: 'The presenter paused here.', step: 2 },
    ]);

    expect(run.advance(10 * SECOND_US)).toBe(false);
    expect(run.engine.nowUs).toBe(10 * SECOND_US);
    expect(run.done).toBe(true);
  });

  it('stop an advance whose target is the pause\'s own time', () => {
    const run = start(paused, { pauses: 'stop' });
    expect(run.advance(3 * SECOND_US)).toBe(true);
    expect(run.allMoments().map((moment) => moment.kind)).toEqual(['pause']);
    expect(run.advance(3 * SECOND_US)).toBe(false);
    expect(run.allMoments().map((moment) => moment.kind)).toEqual(['pause', 'caption']);
  });

  it('are only noted when headless', () => {
    const run = start(paused, { pauses: 'record' });
    expect(run.advance(10 * SECOND_US)).toBe(false);
    expect(run.engine.nowUs).toBe(10 * SECOND_US);
    expect(run.allMoments().map((moment) => `${moment.kind} ${moment.atUs}`)).toEqual(['pause 3000000', 'caption 3000000', 'pause 6000000']);
  });

  it('change nothing in the run: stopping at them gives the headless trace', () => {
    const stopped = start(paused, { pauses: 'stop' });
    while (!stopped.done) stopped.advance(10 * SECOND_US);
    expect(stopped.report()).toEqual(start(paused).runToEnd());
  });

  it('at the very end stop the run before it is done, and the events due then still run', () => {
    const story: Partial<ScenarioInput> = {
      timeline: [
        { at: '10s', pause: 'The end.' },
        { at: '10s', caption: 'Thanks for watching.' },
      ],
      expectations: [{ name: 'all up at the end', metric: 'processes.up', op: '==', value: 3, at: '10s' }],
    };
    const run = start(story, { pauses: 'stop' });
    expect(run.advance(10 * SECOND_US)).toBe(true);
    expect(run.engine.nowUs).toBe(10 * SECOND_US);
    expect(run.done).toBe(false);
    expect(run.advance(10 * SECOND_US)).toBe(false);
    expect(run.done).toBe(true);
    const report = run.report();
    expect(report.captions).toEqual([{ atMs: 10_000, text: 'Thanks for watching.' }]);
    expect(report).toEqual(start(story).runToEnd());
  });
});

describe('a run sliced by the host', () => {
  it('never runs past the duration', () => {
    const run = start({});
    run.advance(25 * SECOND_US);
    expect(run.engine.nowUs).toBe(10 * SECOND_US);
    expect(run.done).toBe(true);
  });

  it('is done only once the events due at the end have run, however few events each slice may take', () => {
    // Several events are due exactly at the end: a step, an "at" check, a "by" deadline, the last
    // 100 ms check. A slice cut short among them once left the run "done" with some never run.
    const story: Partial<ScenarioInput> = {
      timeline: [{ at: '10s', caption: 'The end.' }],
      expectations: [
        { name: 'all up at the end', metric: 'processes.up', op: '==', value: 3, at: '10s' },
        { name: 'all up by the end', metric: 'processes.up', op: '==', value: 3, by: '10s' },
      ],
    };
    const whole = start(story).runToEnd();
    for (let maxEvents = 1; maxEvents <= 12; maxEvents++) {
      const run = start(story);
      while (!run.done) run.advance(run.nowUs + SECOND_US, maxEvents);
      const report: ScenarioReport = run.report();
      expect(report, `slices of at most ${maxEvents} events`).toEqual(whole);
    }
    expect(whole.expectations.every((expectation) => expectation.passed === true)).toBe(true);
  });
});

describe('a step whose action no longer applies', () => {
  it('is skipped with a note in the log, and the run goes on', () => {
    const run = start({
      timeline: [
        { at: '2s', action: crash('broker-1') },
        { at: '3s', action: crash('broker-1'), caption: 'Crash it again?' },
        { at: '4s', action: restart('broker-1') },
      ],
    });
    const report = run.runToEnd();
    const skipped = 'skipped "crash broker-1": broker-1 is already crashed; restart it first';
    expect(run.allMoments()).toContainEqual({ index: 1, kind: 'action', atUs: 3 * SECOND_US, text: skipped, step: 1 });
    expect(run.engine.notableLog()).toContainEqual(expect.objectContaining({ timeUs: 3 * SECOND_US, kind: 'note', label: skipped }));
    expect(report.actions.map((action) => action.text)).toEqual(['crash broker-1', skipped, 'restart broker-1']);
    expect(report.captions).toEqual([{ atMs: 3_000, text: 'Crash it again?' }]);
    expect(report.complete).toBe(true);
    expect(isUp(run, 'broker-1')).toBe(true);
    // Only what was applied is recorded as an input.
    expect(run.engine.recordedInputs().map((input) => input.atUs)).toEqual([2 * SECOND_US, 4 * SECOND_US]);
  });
});

describe('a partial run (the CLI\'s --until)', () => {
  const story: Partial<ScenarioInput> = {
    timeline: [{ at: '2s', action: crash('broker-1') }],
    expectations: [
      { name: 'down at 3s', metric: 'process.up', process: 'broker-1', op: '==', value: 0, at: '3s' },
      { name: 'still down at 8s', metric: 'process.up', process: 'broker-1', op: '==', value: 0, at: '8s' },
      { name: 'the crash shows by 8s', metric: 'processes.crashed', op: '==', value: 1, by: '8s' },
      { name: 'one down at the end', metric: 'processes.crashed', op: '==', value: 1 },
      { name: 'controller-1 never goes down', metric: 'process.up', process: 'controller-1', op: '==', value: 1, always: true },
    ],
  };

  it('decides what fell before its end, leaves the rest undecided, and still passes', () => {
    const run = start(story);
    const report = run.runToEnd({ untilUs: 5 * SECOND_US });
    expect(report.simulatedMs).toBe(5_000);
    expect(report.complete).toBe(false);
    expect(report.passed).toBe(true);
    expect(report.expectations.map(({ name, passed }) => ({ name, passed }))).toEqual([
      { name: 'down at 3s', passed: true },
      { name: 'still down at 8s', passed: null },
      { name: 'the crash shows by 8s', passed: null },
      { name: 'one down at the end', passed: null },
      // "always" reports how it has done so far, as the page shows it live.
      { name: 'controller-1 never goes down', passed: true },
    ]);
    expect(verdictOf(report.expectations, 'controller-1 never goes down').detail).toMatch(/^held at every check so far/);

    const rest = run.runToEnd();
    expect(rest.complete).toBe(true);
    expect(rest.expectations.every((expectation) => expectation.passed === true)).toBe(true);
    expect(rest).toEqual(start(story).runToEnd());
  });

  it('fails when an expectation decided before its end failed', () => {
    const report = start({
      timeline: [{ at: '2s', action: crash('broker-1') }],
      expectations: [{ name: 'all up at 3s', metric: 'processes.up', op: '==', value: 3, at: '3s' }],
    }).runToEnd({ untilUs: 5 * SECOND_US });
    expect(report.complete).toBe(false);
    expect(report.passed).toBe(false);
  });
});

describe('captions and notes for the presenter', () => {
  it('never enter the trace: rewording them changes nothing in the run', () => {
    const told = (caption: string, note: string): Partial<ScenarioInput> => ({
      timeline: [
        { at: '1s', caption },
        { at: '2s', action: crash('broker-1'), caption },
        { at: '3s', pause: note },
        { when: { metric: 'processes.crashed', op: '>', value: 0 }, caption },
      ],
    });
    const plain = start(told('A caption.', 'A note.')).runToEnd();
    const reworded = start(told('Something else entirely, and much longer than before.', 'Another note.')).runToEnd();
    expect(reworded.traceHash).toBe(plain.traceHash);
    expect(reworded.events).toBe(plain.events);
    expect(reworded.captions.map((caption) => caption.atMs)).toEqual(plain.captions.map((caption) => caption.atMs));
  });

  it('do change the trace when a step is added for them (each step is an event)', () => {
    // Worth knowing before adding a caption-only step to a library scenario: its golden changes.
    const without = start({ duration: '3s' }).runToEnd();
    const withCaption = start({ duration: '3s', timeline: [{ at: '1s', caption: 'Hello.' }] }).runToEnd();
    expect(withCaption.events).toBe(without.events + 1);
    expect(withCaption.traceHash).not.toBe(without.traceHash);
  });
});

describe('moments', () => {
  it('are each handed out once by drainMoments, in order, with consecutive indexes', () => {
    const run = start({
      timeline: [
        { at: '0s', caption: 'Start.' },
        { at: '2s', action: crash('broker-1'), expect: { metric: 'processes.crashed', op: '==', value: 1 } },
        { when: { metric: 'processes.crashed', op: '==', value: 1 }, caption: 'Noticed.' },
        { at: '4s', action: restart('broker-1'), pause: true },
      ],
      expectations: [
        { name: 'down at 3s', metric: 'process.up', process: 'broker-1', op: '==', value: 0, at: '3s' },
        { name: 'all up at the end', metric: 'processes.up', op: '==', value: 3 },
      ],
    });
    const drained = [];
    while (!run.done) {
      run.advance(run.nowUs + 700_000);
      drained.push(...run.drainMoments());
      expect(run.drainMoments()).toEqual([]);
    }
    run.report(); // decides the end-of-run expectation: one more moment
    drained.push(...run.drainMoments());
    expect(run.drainMoments()).toEqual([]);
    expect(drained).toEqual(run.allMoments());
    expect(drained.map((moment) => moment.index)).toEqual(drained.map((_, index) => index));
    expect(drained.map((moment) => `${moment.atUs / 1_000} ${moment.kind}`)).toEqual([
      '0 caption',
      '2000 action',
      '2000 check',
      // A step at a whole 100 ms runs before the check of that instant, which sees its effect.
      '2000 caption',
      '3000 check',
      '4000 action',
      '4000 pause',
      '10000 check',
    ]);
  });
});

describe('the seed', () => {
  it('comes from the file unless the host overrides it', () => {
    expect(start({ seed: 7 }).seed).toBe(7);
    const overridden = start({ seed: 7 }, { seed: 99 });
    expect(overridden.seed).toBe(99);
    expect(overridden.engine.seed).toBe(99);
    expect(overridden.runToEnd().seed).toBe(99);
  });
});
