// Goal: the controller whose committed metadata is the truth (the durability oracle's, a
// partition's inspection) is picked from the controllers' readings in KRaft mode, without building
// their views, and is the very one the views pick: the active controller of the highest epoch,
// else, while none is active, the one that applied the most (the first of equals).
// Method: library scenarios with controller failovers and a quorum split run headless in 100 ms
// slices (a scenario's checkpoints); at each the pick is compared with the rule applied to the
// processes' full views; the runs must have seen the truth move from one controller to another
// and a moment with no active controller, so that agreement cannot come from one steady answer.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/api';
import { ScenarioRun } from '../../src/engine/scenario/runner';
import { parseScenarioText } from '../../src/engine/scenario/validate';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The rule, applied to the views (as Engine.authoritativeImage reads them). */
function pickFromViews(engine: Engine): { id: string | null; anyActive: boolean } {
  let active: { id: string; epoch: number } | null = null;
  let advanced: { id: string; offset: number } | null = null;
  for (const { id, view } of engine.processViews()) {
    const controller = view.controller;
    if (controller === undefined) continue;
    if (controller.active && (active === null || controller.activeEpoch! > active.epoch)) active = { id, epoch: controller.activeEpoch! };
    if (advanced === null || controller.appliedOffset > advanced.offset) advanced = { id, offset: controller.appliedOffset };
  }
  return { id: active?.id ?? advanced?.id ?? null, anyActive: active !== null };
}

describe('the controller of truth', () => {
  it('is the one the views pick, at every 100 ms of controller failovers and a quorum split', () => {
    const picked = new Set<string>();
    let withoutActive = 0;
    for (const file of ['controller-failover', 'quorum-split']) {
      const path = `public/scenarios/${file}.json`;
      const run = new ScenarioRun(parseScenarioText(readFileSync(`${ROOT}${path}`, 'utf8'), path));
      run.runToEnd({
        sliceUs: 100_000,
        progress: ({ engine }) => {
          const expected = pickFromViews(engine);
          const actual = engine.authoritativeController();
          if (actual !== expected.id) expect.fail(`${file} at ${engine.nowUs} us: ${actual} from the readings, ${expected.id} from the views`);
          if (actual !== null) picked.add(actual);
          if (!expected.anyActive) withoutActive++;
        },
      });
    }
    expect(picked.size).toBeGreaterThan(1);
    expect(withoutActive).toBeGreaterThan(0);
  });
});
