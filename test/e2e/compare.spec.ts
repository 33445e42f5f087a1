// Compare mode in real Chromium: two workers run the ISR-vs-quorum straggler lesson side by side
// from a link; playing it shows two runs whose produce p99 differ (read from the charts' accessible
// tables), a fault injected once reaches both, and leaving returns to the single view. A fault one
// side cannot take (a KRaft controller, in ZooKeeper mode) is applied to neither and explained; a
// bad link or a bad typed setting explains itself. Faults come from the single view's tool bar
// (Break / Load menus and their forms), whose checks ask both workers. The three designs of issue 7
// (ISR vs quorum, KRaft vs ZooKeeper, tiering off vs on) each run and overlay both sides in the
// charts; a lesson's steps (Next / Previous) move both sides. Screenshots at 1440x900 and 1280x720.
import { expect, test, type Page } from '@playwright/test';
import { clockMs } from './clock';
import { fullPageScreenshot } from './screenshots';

function failOnPageErrors(page: Page): void {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
}

async function figure(page: Page, id: string, side: 'A' | 'B'): Promise<string> {
  return ((await page.getByTestId('compare-figures').locator(`tr[data-figure="${id}"] td[data-side="${side}"]`).textContent()) ?? '').trim();
}

/** Break ▾ -> an action -> its form, with the target chosen: the tool bar the single view uses. */
async function openBreakForm(page: Page, action: string, target: string) {
  await page.getByTestId('toolbar-break').click();
  await page.getByRole('menu', { name: 'Break actions' }).locator(`[data-action="${action}"]`).click();
  const form = page.getByTestId(`action-form-${action}`);
  await form.getByLabel('Target').selectOption(target);
  return form;
}

async function p99Max(page: Page, side: 'A' | 'B'): Promise<number> {
  const text = await page.getByTestId('compare-table-latency').locator(`th[data-series="producer.latencyMsP99@${side}"]`).getAttribute('data-max');
  return Number(text);
}

/** Nothing sticks out sideways: the page is no wider than the window (once charts have followed a resize). */
async function expectNoOverflow(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { timeout: 5_000 })
    .toBeLessThanOrEqual(0);
}

test('a compare link runs ISR and quorum side by side: different p99, one fault reaching both, then back to the single view', async ({ page }) => {
  test.setTimeout(120_000);
  failOnPageErrors(page);
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum');
  await expect(page.getByRole('heading', { name: /Comparing dataReplication/ })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('compare-figures').getByRole('columnheader', { name: 'A: dataReplication=isr' })).toBeVisible();
  await expect(page.getByTestId('compare-figures').getByRole('columnheader', { name: 'B: dataReplication=quorum' })).toBeVisible();
  // The same seed on both sides; the setting is in the link.
  expect(page.url()).toContain('compare=dataReplication%3Aisr%2Cquorum');

  // 10x, both sides in lock-step, to the producer's first seconds (it starts at 6 s).
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 30_000, intervals: [250] }).toBeGreaterThan(8_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();

  // A fault injected once: broker-6 (no replica of orders-0) crashes in both runs, at the same moment.
  const upBefore = [await figure(page, 'up', 'A'), await figure(page, 'up', 'B')];
  expect(upBefore[0]).toBe(upBefore[1]);
  const form = await openBreakForm(page, 'crash', 'broker-6');
  await expect(form.getByTestId('action-submit')).toBeEnabled();
  await form.getByTestId('action-submit').click();
  await expect(page.getByTestId('compare-faults')).toContainText('crash broker-');
  const [upCount, total] = upBefore[0]!.split(' of ').map(Number);
  await expect.poll(() => figure(page, 'up', 'A')).toBe(`${upCount! - 1} of ${total}`);
  await expect.poll(() => figure(page, 'up', 'B')).toBe(`${upCount! - 1} of ${total}`);

  // On through the straggling window (12 s to 30 s) and past the heal, paused before the leader
  // crashes at 40 s (whose failover delays both sides alike): at 10x to 20 s, then at 1x past 33 s,
  // so a loaded machine's late pause still lands well before 40 s (a pause at 10x asked at 30 s
  // once landed past 33 s at load ~10, and the 1x stretch then ended at 40.7 s).
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 60_000, intervals: [250] }).toBeGreaterThan(20_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('radio', { name: '1×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 30_000, intervals: [250] }).toBeGreaterThan(33_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  expect(await clockMs(page)).toBeLessThan(40_000);
  // The lesson's captions follow the shared clock.
  await expect(page.getByTestId('compare-caption')).toContainText('The link heals');

  // ISR waits for the straggler until replica.lag.time.max.ms drops it; the quorum does not.
  const isrMs = await p99Max(page, 'A');
  const quorumMs = await p99Max(page, 'B');
  expect(isrMs).toBeGreaterThan(1_000);
  expect(quorumMs).toBeLessThan(500);
  expect(isrMs).toBeGreaterThan(10 * quorumMs);
  // Both sides stand at the same simulated moment, and differ (one setting apart).
  const hashes = (await page.getByTestId('compare-trace-hashes').textContent()) ?? '';
  const [, hashA, hashB] = /A (\S+) · B (\S+)/.exec(hashes) ?? [];
  expect(hashA).toBeTruthy();
  expect(hashA).not.toBe(hashB);

  await page.evaluate(() => window.scrollTo(0, 0));
  await expectNoOverflow(page);
  await fullPageScreenshot(page, 'artifacts/screenshots/compare-isr-vs-quorum-1440.png');
  await page.setViewportSize({ width: 1280, height: 720 });
  await expectNoOverflow(page);
  await page.screenshot({ path: 'artifacts/screenshots/compare-isr-vs-quorum-1280.png' });

  // Leaving returns to the single view, as it was, and the link forgets the comparison.
  await page.getByRole('button', { name: 'Leave compare mode' }).first().click();
  await expect(page.getByTestId('compare-figures')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeEnabled();
  expect(page.url()).not.toContain('compare=');
});

test('a fault one side cannot take is refused in the tool bar form, naming the side and the reason, and applied to neither', async ({ page }) => {
  failOnPageErrors(page);
  await page.goto('./');
  await page.getByRole('button', { name: 'Compare two designs…' }).click();
  await page.getByLabel('Lesson to compare').selectOption('');
  await page.getByRole('radio', { name: /KRaft vs ZooKeeper/ }).check();
  await page.getByRole('button', { name: 'Start comparing' }).click();
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 20_000 });
  const upA = await figure(page, 'up', 'A');
  const upB = await figure(page, 'up', 'B');
  // controller-1 is a KRaft controller: in ZooKeeper mode there is none of that name.
  const form = await openBreakForm(page, 'crash', 'controller-1');
  const problem = form.getByTestId('problem-general');
  await expect(problem).toContainText('side B (controllerMode=zookeeper) cannot take it');
  await expect(problem).toContainText('no process "controller-1"');
  await expect(form.getByTestId('action-submit')).toBeDisabled();
  await expect(page.getByTestId('compare-faults')).toHaveCount(0);
  expect(await figure(page, 'up', 'A')).toBe(upA);
  expect(await figure(page, 'up', 'B')).toBe(upB);
  await page.setViewportSize({ width: 1280, height: 720 });
  await expectNoOverflow(page);
  await page.screenshot({ path: 'artifacts/screenshots/compare-refused-fault-1280.png' });
});

test('a bad compare link explains itself and opens the normal view; a bad typed setting is explained in the form', async ({ page }) => {
  failOnPageErrors(page);
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr');
  await expect(page.getByRole('status').filter({ hasText: "The link's compare \"dataReplication:isr\" does not read" })).toContainText('exactly two');
  await expect(page.getByRole('status').filter({ hasText: 'The normal view is open instead.' })).toBeVisible();
  await expect(page.getByTestId('compare-figures')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeEnabled({ timeout: 20_000 });

  // Typed: one value is refused as you type; a value the scenario does not allow, on start.
  await page.getByRole('button', { name: 'Compare two designs…' }).click();
  await page.getByLabel('Setting path').fill('dataReplication');
  await page.getByLabel('Two values, separated by a comma').fill('isr');
  await expect(page.getByTestId('compare-input-error')).toContainText('compare mode takes exactly two');
  await expect(page.getByRole('button', { name: 'Start comparing' })).toBeDisabled();
  await page.getByLabel('Two values, separated by a comma').fill('isr,raft');
  await expect(page.getByTestId('compare-input-error')).toHaveText('');
  await page.getByRole('button', { name: 'Start comparing' }).click();
  const problem = page.getByTestId('compare-start-problem');
  await expect(problem).toContainText('Side B (dataReplication=raft) cannot run');
  await expect(problem).toContainText('cluster.dataReplication');
  await expect(page.getByTestId('compare-figures')).toHaveCount(0);
  await page.setViewportSize({ width: 1280, height: 720 });
  await expectNoOverflow(page);
  await page.screenshot({ path: 'artifacts/screenshots/compare-picker-1280.png' });
});

test('the three designs of issue 7 are in the picker, and each runs both sides with the charts overlaying both', async ({ page }) => {
  test.setTimeout(150_000);
  failOnPageErrors(page);
  await page.goto('./');
  const designs = [
    { radio: /ISR vs majority quorum/, path: 'dataReplication', a: 'isr', b: 'quorum' },
    { radio: /KRaft vs ZooKeeper/, path: 'controllerMode', a: 'kraft', b: 'zookeeper' },
    { radio: /Tiered storage off vs on/, path: 'config.remote.log.storage.system.enable', a: 'false', b: 'true' },
  ];
  for (const design of designs) {
    await page.getByRole('button', { name: 'Compare two designs…' }).click();
    await page.getByLabel('Lesson to compare').selectOption('');
    await page.getByRole('radio', { name: design.radio }).check();
    await page.getByRole('button', { name: 'Start comparing' }).click();
    await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('compare-figures').getByRole('columnheader', { name: `A: ${design.path}=${design.a}` })).toBeVisible();
    await page.getByRole('radio', { name: 'Max' }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => clockMs(page), { timeout: 40_000, intervals: [250] }).toBeGreaterThan(5_000);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    // Every chart overlays side A and side B: its table has a column of each for every series.
    const throughput = page.getByTestId('compare-table-throughput');
    await expect(throughput.locator('th[data-series$="@A"]').first()).toBeAttached();
    await expect(throughput.locator('th[data-series$="@B"]').first()).toBeAttached();
    expect(await throughput.locator('th[data-series$="@A"]').count()).toBe(await throughput.locator('th[data-series$="@B"]').count());
    // One setting apart: the runs differ.
    const [, hashA, hashB] = /A (\S+) · B (\S+)/.exec((await page.getByTestId('compare-trace-hashes').textContent()) ?? '') ?? [];
    expect(hashA).toBeTruthy();
    expect(hashA).not.toBe(hashB);
    await page.screenshot({ path: `artifacts/screenshots/compare-${design.path.replace(/\W+/g, '-')}-1440.png` });
    await page.getByRole('button', { name: 'Leave compare mode' }).first().click();
    await expect(page.getByTestId('compare-figures')).toHaveCount(0);
  }
});

test("a lesson's steps in compare mode: Next stops both sides at each caption, Previous rewinds both", async ({ page }) => {
  test.setTimeout(90_000);
  failOnPageErrors(page);
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum');
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 20_000 });
  const steps = page.getByRole('group', { name: 'Lesson steps' });
  await expect(steps.getByTestId('lesson-step')).toContainText('Not started');
  await steps.getByRole('button', { name: 'Next step ›' }).click();
  await expect(steps.getByTestId('lesson-step')).toHaveText(/^Step 1 of \d+$/, { timeout: 20_000 });
  await expect.poll(() => clockMs(page)).toBe(6_000);
  await expect(page.getByTestId('compare-caption')).toContainText('A producer writes 1,000 records a second');
  await steps.getByRole('button', { name: 'Next step ›' }).click();
  await expect(steps.getByTestId('lesson-step')).toHaveText(/^Step 2 of \d+$/, { timeout: 20_000 });
  await expect.poll(() => clockMs(page)).toBe(12_000);
  await expect(page.getByTestId('compare-caption')).toContainText('broker-2 turns into a straggler');
  // Both sides are at the same moment: each side's figures count the same processes up, and events moved on both.
  expect(await figure(page, 'up', 'A')).toBe(await figure(page, 'up', 'B'));
  await page.screenshot({ path: 'artifacts/screenshots/compare-lesson-steps-1440.png' });
  // Previous: both rebuild 6 s; the page says they are rewound.
  await steps.getByRole('button', { name: '‹ Previous step' }).click();
  await expect(steps.getByTestId('lesson-step')).toHaveText(/^Step 1 of \d+$/, { timeout: 20_000 });
  await expect.poll(() => clockMs(page)).toBe(6_000);
  await expect(page.getByTestId('compare-rewound')).toContainText('Both sides rewound to 0:06.000');
  await expect(page.getByTestId('compare-caption')).toContainText('A producer writes 1,000 records a second');
});
