// The swarm runner for properties.test.ts (TigerBeetle's vopr): one seed draws the quorum's shape
// and which faults are likely (swarm testing), then a random schedule of crashes, restarts,
// partitions, one-way cuts, slow and lossy links and client traffic over 60 simulated seconds,
// checked after every event (checker.ts: the safety phase); then everything is healed and
// restarted for 20 seconds (the liveness phase): one leader, every member applied the same
// history, holding every value ever committed and one submitted after healing.
// A failure names its seed, its plan and how to replay it.
import type { NetworkFault } from '../../../src/engine/net/network';
import { Prng } from '../../../src/engine/sim/prng';
import { QuorumChecker, runChecked } from './checker';
import { makeQuorum, type Quorum } from './harness';

const SAFETY_US = 60_000_000;
const LIVENESS_US = 20_000_000;

export interface Plan {
  readonly voters: number;
  readonly observers: number;
  readonly snapshotEveryRecords: number;
  readonly fetchMaxBytes: number;
  /** Mean time between two actions. */
  readonly gapUsMean: number;
  /** Relative weight of each action: swarm testing makes some faults frequent, some absent. */
  readonly weights: Readonly<Record<Action, number>>;
}

export const ACTIONS = ['crashVoter', 'crashObserver', 'restart', 'isolate', 'cut', 'slow', 'lossy', 'heal', 'submit'] as const;
export type Action = (typeof ACTIONS)[number];

export function drawPlan(seed: number): Plan {
  const prng = new Prng(seed, 'swarm-plan');
  const weights = {} as Record<Action, number>;
  for (const action of ACTIONS) weights[action] = prng.int(4); // 0 (never) to 3
  weights.submit += 2;
  weights.heal += 1;
  weights.restart += 1;
  return {
    voters: prng.pick([1, 3, 3, 4, 5, 5]),
    observers: prng.int(3),
    snapshotEveryRecords: prng.pick([1_000_000, 1_000_000, 5, 10, 20]),
    fetchMaxBytes: prng.pick([64 * 1024, 64 * 1024, 200, 1_000]),
    gapUsMean: prng.pick([100_000, 300_000, 1_000_000]),
    weights,
  };
}

export function describePlan(plan: Plan): string {
  const weights = ACTIONS.filter((a) => plan.weights[a] > 0)
    .map((a) => `${a}:${plan.weights[a]}`)
    .join(' ');
  return `${plan.voters} voters, ${plan.observers} observers, snapshot every ${plan.snapshotEveryRecords}, fetch ${plan.fetchMaxBytes} B, gap ${plan.gapUsMean / 1000} ms, ${weights}`;
}

function weightedPick(prng: Prng, weights: Readonly<Record<Action, number>>): Action {
  const total = ACTIONS.reduce((sum, a) => sum + weights[a], 0);
  let draw = prng.int(total);
  for (const action of ACTIONS) {
    if (draw < weights[action]) return action;
    draw -= weights[action];
  }
  throw new Error('unreachable: weights changed while picking');
}

export interface SwarmResult {
  readonly plan: Plan;
  /** Actions performed, by kind. */
  readonly actions: Map<Action, number>;
  /** Values the leader applied at the end (leader-change records included). */
  readonly committed: number;
  /** Epochs that had a leader. */
  readonly epochs: number;
  /** Invariant checks run (about one per event). */
  readonly checks: number;
  /** Rare paths taken, counted from the members' notes. */
  readonly truncations: number;
  readonly snapshotLoads: number;
  readonly resignations: number;
  /** The kernel's rolling hash of every event: equal for equal runs. */
  readonly traceHash: string;
}

/** One seed: the safety phase, then the liveness phase. Throws, naming the seed, on any violation. */
export function runSwarm(seed: number): SwarmResult {
  const plan = drawPlan(seed);
  const context = `swarm seed ${seed} (${describePlan(plan)}; replay: SWARM_SEED=${seed} npx vitest run test/engine/raft/properties.test.ts): `;
  const q = makeQuorum({ seed, voters: plan.voters, observers: plan.observers, raft: { snapshotEveryRecords: plan.snapshotEveryRecords, fetchMaxBytes: plan.fetchMaxBytes } });
  const checker = new QuorumChecker(q, context);
  const prng = new Prng(seed, 'swarm-schedule');
  const actions = new Map<Action, number>();
  let submitted = 0;
  try {
    // ---- safety phase ----
    while (q.kernel.nowUs < SAFETY_US) {
      const gapUs = 1 + prng.int(2 * plan.gapUsMean);
      runChecked(q, checker, Math.min(SAFETY_US, q.kernel.nowUs + gapUs));
      if (q.kernel.nowUs >= SAFETY_US) break;
      const action = weightedPick(prng, plan.weights);
      if (perform(q, prng, action, () => `s${seed}-${submitted++}`)) actions.set(action, (actions.get(action) ?? 0) + 1);
      checker.check();
    }

    // ---- liveness phase: heal everything, restart everyone ----
    q.network.heal();
    for (const info of q.kernel.processes()) if (info.status === 'crashed') q.kernel.restart(info.id);
    const endUs = q.kernel.nowUs + LIVENESS_US;
    const finalValue = `s${seed}-final`;
    while (q.kernel.nowUs < endUs) {
      // Until some member applied it, ask again every second (the leader may be unknown yet).
      if (!q.ids.some((id) => q.member(id).applied.includes(finalValue))) q.submit(finalValue);
      runChecked(q, checker, Math.min(endUs, q.kernel.nowUs + 1_000_000));
    }
    const leaders = q.leaders();
    if (leaders.length !== 1) throw new Error(`${context}after ${LIVENESS_US / 1e6} healed seconds there are ${leaders.length} leaders: ${JSON.stringify(leaders)}`);
    const reference = q.member(leaders[0]!.id).applied;
    for (const id of q.ids) {
      const applied = q.member(id).applied;
      if (applied.length !== reference.length || applied.some((v, i) => v !== reference[i])) {
        throw new Error(
          `${context}after healing, ${id} applied ${applied.length} values, the leader ${leaders[0]!.id} ${reference.length}; first difference at ${applied.findIndex((v, i) => v !== reference[i])}; ${id}: ${JSON.stringify(q.view(id))}`,
        );
      }
    }
    if (reference.length < checker.history.length) throw new Error(`${context}a committed value was lost: the history had ${checker.history.length} values, the leader applied ${reference.length}`);
    if (!reference.includes(finalValue)) throw new Error(`${context}the value submitted after healing was never applied`);
    return {
      plan,
      actions,
      committed: reference.length,
      epochs: checker.leaderOfEpoch.size,
      checks: checker.checks,
      truncations: q.notes('uncommitted record').length,
      snapshotLoads: q.notes('loaded a snapshot').length,
      resignations: q.notes('resigns as leader').length,
      traceHash: q.kernel.traceHash,
    };
  } catch (error) {
    if (error instanceof Error && !error.message.includes(`swarm seed ${seed}`)) error.message = `${context}${error.message}`;
    throw error;
  }
}

/** Performs one action if it applies now; false when it does not (no voter may crash, say). */
function perform(q: Quorum, prng: Prng, action: Action, nextValue: () => string): boolean {
  const processes = q.kernel.processes().filter((p) => p.id !== 'client');
  const up = (ids: readonly string[]): string[] => ids.filter((id) => processes.find((p) => p.id === id)!.status === 'up');
  const members = q.ids;
  const maxVotersDown = Math.floor((q.voters.length - 1) / 2);
  const link = (): { from: string; to: string; bothWays: boolean } | null => {
    if (members.length < 2) return null;
    const from = prng.pick(members);
    const to = prng.pick(members.filter((id) => id !== from));
    return { from, to, bothWays: prng.int(2) === 0 };
  };
  let fault: NetworkFault | null = null;
  switch (action) {
    case 'crashVoter': {
      const running = up(q.voters);
      if (q.voters.length - running.length >= maxVotersDown) return false;
      q.kernel.crash(prng.pick(running));
      return true;
    }
    case 'crashObserver': {
      const running = up(q.observers);
      if (running.length === 0) return false;
      q.kernel.crash(prng.pick(running));
      return true;
    }
    case 'restart': {
      const crashed = processes.filter((p) => p.status === 'crashed').map((p) => p.id);
      if (crashed.length === 0) return false;
      q.kernel.restart(prng.pick(crashed));
      return true;
    }
    case 'isolate':
      fault = { kind: 'isolate-process', process: prng.pick(members) };
      break;
    case 'cut': {
      const l = link();
      if (l === null) return false;
      fault = { kind: 'cut-link', ...l };
      break;
    }
    case 'slow': {
      const l = link();
      if (l === null) return false;
      fault = { kind: 'slow-link', ...l, extraLatencyUs: 10_000 + prng.int(3_000_000) };
      break;
    }
    case 'lossy': {
      const l = link();
      if (l === null) return false;
      fault = { kind: 'lossy-link', ...l, lossPerMillion: 100_000 + prng.int(400_000) };
      break;
    }
    case 'heal': {
      const faults = q.network.activeFaults();
      if (faults.length === 0) return false;
      if (prng.int(3) === 0) q.network.heal();
      else q.network.heal(prng.pick(members));
      return true;
    }
    case 'submit': {
      const count = 1 + prng.int(5);
      for (let i = 0; i < count; i++) q.submit(nextValue());
      return true;
    }
  }
  q.network.inject(fault);
  return true;
}

