// A moment of a comparison shared as a link, in real Chromium. Goal: a teacher compares ISR and
// quorum replication on the straggler lesson, crashes broker-2 (in both runs), stops at a lesson
// step and a few events past it, presses Share; the link, opened in a new page, starts both workers,
// replays the crash in both and shows both runs at that moment: the same clock, lesson step, trace
// hashes, processes up, faults listed and chart points. A compare link that does not read names the
// parameter, the value and what is expected, and opens the default cluster (a bad moment or action)
// or the single view (a bad comparison alone). Screenshots of the shared page and of a bad link.
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

/** What both runs show: the clock, the lesson step, each side's trace hash, processes up, the faults listed and the latency chart. */
async function bothRuns(page: Page) {
  const chart = page.getByTestId('compare-chart-latency');
  return {
    clockMs: await clockMs(page),
    step: await page.getByRole('group', { name: 'Lesson steps' }).getByTestId('lesson-step').textContent(),
    hashes: await page.getByTestId('compare-trace-hashes').textContent(),
    traceFigures: [await figure(page, 'trace', 'A'), await figure(page, 'trace', 'B')],
    events: [await figure(page, 'events', 'A'), await figure(page, 'events', 'B')],
    up: [await figure(page, 'up', 'A'), await figure(page, 'up', 'B')],
    faults: (await page.getByTestId('compare-faults').count()) === 0 ? null : await page.getByTestId('compare-faults').textContent(),
    chartPoints: await chart.getAttribute('data-points'),
    p99Max: await Promise.all(['A', 'B'].map((side) => page.getByTestId('compare-table-latency').locator(`th[data-series="producer.latencyMsP99@${side}"]`).getAttribute('data-max'))),
  };
}

/** Both runs once both workers' last frames have landed: two reads half a second apart agree. */
async function settledRuns(page: Page): ReturnType<typeof bothRuns> {
  let previous = await bothRuns(page);
  for (let attempt = 0; attempt < 40; attempt++) {
    await page.waitForTimeout(500);
    const now = await bothRuns(page);
    if (JSON.stringify(now) === JSON.stringify(previous)) return now;
    previous = now;
  }
  throw new Error('the page never settled');
}

test('a comparison shared after crashing broker-2 reopens both runs at that moment, the crash replayed in both', async ({ page, context }) => {
  test.setTimeout(150_000);
  failOnPageErrors(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum');
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 30_000 });
  const steps = page.getByRole('group', { name: 'Lesson steps' });
  await steps.getByRole('button', { name: 'Next step ›' }).click();
  await expect(steps.getByTestId('lesson-step')).toHaveText(/^Step 1 of \d+$/, { timeout: 20_000 });

  // Crash broker-2 (a follower of orders-0) in both runs, from the tool bar.
  const upBefore = await figure(page, 'up', 'A');
  await page.getByTestId('toolbar-break').click();
  await page.getByRole('menu', { name: 'Break actions' }).locator('[data-action="crash"]').click();
  const form = page.getByTestId('action-form-crash');
  await form.getByLabel('Target').selectOption('broker-2');
  await form.getByTestId('action-submit').click();
  await expect(page.getByTestId('compare-faults')).toContainText('crash broker-');
  const [upCount, total] = upBefore.split(' of ').map(Number);
  await expect.poll(() => figure(page, 'up', 'B')).toBe(`${upCount! - 1} of ${total}`);

  // On to the next step (12 s), then a few events past it: a moment only exact event counts rebuild.
  await steps.getByRole('button', { name: 'Next step ›' }).click();
  await expect(steps.getByTestId('lesson-step')).toHaveText(/^Step 2 of \d+$/, { timeout: 30_000 });
  for (let i = 0; i < 3; i++) {
    await page.getByRole('button', { name: 'Step one event' }).click();
    await expect(page.getByRole('button', { name: 'Step one event' })).toBeEnabled();
  }
  await expect.poll(() => clockMs(page)).toBeGreaterThanOrEqual(12_000);
  const shown = await settledRuns(page);
  expect(shown.up).toEqual([`${upCount! - 1} of ${total}`, `${upCount! - 1} of ${total}`]);
  expect(Number(shown.chartPoints)).toBeGreaterThan(10);

  await page.getByRole('button', { name: 'Share this moment' }).click();
  const panel = page.getByTestId('share-panel');
  await expect(panel.getByRole('status')).toContainText('Opening it shows both runs at this moment');
  const link = await page.getByTestId('share-link').inputValue();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  expect(link).toMatch(/\?scenario=isr-vs-quorum-straggler&seed=\d+&compare=dataReplication%3Aisr%2Cquorum&t=\d+(\.\d+)?&events=\d+%2C\d+#actions=[A-Za-z0-9_-]+$/);
  await page.screenshot({ path: 'artifacts/screenshots/compare-link-share.png' });

  const other = await context.newPage();
  failOnPageErrors(other);
  await other.goto(link);
  await expect(other.getByRole('heading', { name: /Comparing dataReplication/ })).toBeVisible({ timeout: 30_000 });
  await expect(other.getByTestId('compare-faults')).toContainText('crash', { timeout: 30_000 });
  await expect.poll(() => clockMs(other), { timeout: 30_000 }).toBe(shown.clockMs);
  await expect(other.getByTestId('compare-trace-hashes')).toHaveText(shown.hashes!);
  await expect.poll(() => bothRuns(other), { timeout: 10_000 }).toEqual(shown);
  // Paused there, not playing: Play is offered, and the clock stays.
  await expect(other.getByRole('button', { name: 'Play', exact: true })).toBeEnabled();
  await other.waitForTimeout(500);
  expect(await clockMs(other)).toBe(shown.clockMs);
  await other.evaluate(() => window.scrollTo(0, 0));
  await fullPageScreenshot(other, 'artifacts/screenshots/compare-link-opened.png');
});

test('a compare link that does not read names the part, the value and what is expected; nothing half-applied', async ({ page }) => {
  failOnPageErrors(page);
  // A moment past the lesson's end: the default cluster, no comparison.
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum&t=99000');
  const past = page.getByRole('status').filter({ hasText: "The link's moment t" });
  await expect(past).toContainText(`The link's moment t "99000" is past the lesson's end at 90000 ms; expected a moment from t=0 to t=90000. The default cluster is open instead.`, { timeout: 20_000 });
  await expect(page.getByTestId('process-broker-1')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('scenario-panel')).toHaveCount(0);
  await expect(page.getByTestId('compare-figures')).toHaveCount(0);
  await page.screenshot({ path: 'artifacts/screenshots/compare-link-bad-moment.png' });

  // An action that does not parse: the default cluster, no comparison.
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum&t=1000&events=5%2C5#actions=abcde');
  await expect(page.getByRole('status').filter({ hasText: 'actions #actions' })).toContainText('do not read: its length cannot be base64url');
  await expect(page.getByRole('status').filter({ hasText: 'The comparison (compare=dataReplication:isr,quorum) was not started' })).toBeVisible();
  await expect(page.getByTestId('process-broker-1')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('scenario-panel')).toHaveCount(0);
  await expect(page.getByTestId('compare-figures')).toHaveCount(0);

  // A value the setting does not take: the single view of the lesson, at the start.
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,raft&t=1000&events=5%2C5');
  const banner = page.getByRole('status').filter({ hasText: 'dataReplication:isr,raft' });
  await expect(banner).toContainText('Side B (dataReplication=raft) cannot run: cluster.dataReplication: got "raft"; expected one of "isr", "quorum"', { timeout: 20_000 });
  await expect(banner).toContainText("The normal view is open instead at the start (the link's moment and actions belong to the comparison).");
  await expect(page.getByTestId('scenario-panel')).toBeVisible();
  await expect(page.getByTestId('compare-figures')).toHaveCount(0);
  expect(await clockMs(page)).toBe(0);
  await page.screenshot({ path: 'artifacts/screenshots/compare-link-bad-setting.png' });
});

test('an edited scenario compared and shared: its text travels in the link, and both runs reopen at the moment', async ({ page, context }) => {
  test.setTimeout(120_000);
  failOnPageErrors(page);
  await page.goto('./?scenario=isr-vs-quorum-straggler');
  await expect(page.getByTestId('scenario-panel')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Edit scenario' }).click();
  const area = page.getByTestId('scenario-text');
  const original = await area.inputValue();
  await area.fill(original.replace(/"name": "[^"]*"/, '"name": "My straggler"'));
  await expect(page.getByTestId('editor-status')).toHaveText('Valid: ready to run.');
  await page.getByTestId('scenario-editor').getByRole('button', { name: 'Run this scenario' }).click();
  await expect(page.getByTestId('scenario-panel')).toContainText('My straggler');

  // The picker offers (and preselects) the edited scenario.
  await page.getByRole('button', { name: 'Compare two designs…' }).click();
  await expect(page.getByLabel('Lesson to compare')).toHaveValue(':edited');
  await page.getByRole('radio', { name: /ISR vs majority quorum/ }).check();
  await page.getByRole('button', { name: 'Start comparing' }).click();
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('Your edited scenario: two workers')).toBeVisible();
  await page.getByRole('group', { name: 'Lesson steps' }).getByRole('button', { name: 'Next step ›' }).click();
  await expect(page.getByRole('group', { name: 'Lesson steps' }).getByTestId('lesson-step')).toHaveText(/^Step 1 of \d+$/, { timeout: 20_000 });
  const shown = await settledRuns(page);

  await page.getByRole('button', { name: 'Share this moment' }).click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).not.toContain('scenario=');
  expect(link).toMatch(/\?seed=\d+&compare=dataReplication%3Aisr%2Cquorum&t=6000&events=\d+%2C\d+#text=[A-Za-z0-9_-]+$/);

  const other = await context.newPage();
  failOnPageErrors(other);
  await other.goto(link);
  await expect(other.getByText('Your edited scenario: two workers')).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => bothRuns(other), { timeout: 30_000 }).toEqual(shown);
});

test('free play with ?brokers=9 is named so, compares that cluster, and the address bar and a shared moment keep brokers=9', async ({ page, context }) => {
  test.setTimeout(120_000);
  failOnPageErrors(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const processTotal = async (side: 'A' | 'B') => Number((await figure(page, 'up', side)).split(' of ')[1]);

  await page.goto('./?compare=dataReplication:isr,quorum');
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => processTotal('A'), { timeout: 20_000 }).toBeGreaterThan(0);
  const defaultTotal = await processTotal('A');

  // Free play with ?brokers=9: both lesson pickers name that cluster, not the default one.
  await page.goto('./?brokers=9');
  await expect(page.getByLabel('Open a lesson').locator('option:checked')).toHaveText('Free play: a 9-broker cluster', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Compare two designs…' }).click();
  await expect(page.getByLabel('Lesson to compare').locator('option:checked')).toHaveText('Free play: a 9-broker cluster');

  await page.goto('./?brokers=9&compare=dataReplication:isr,quorum');
  await expect(page.getByRole('heading', { name: /Comparing dataReplication/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Free play with 9 brokers: two workers')).toBeVisible();
  // Both runs have the three brokers more than the default cluster's six.
  await expect.poll(() => processTotal('A'), { timeout: 20_000 }).toBe(defaultTotal + 3);
  expect(await processTotal('B')).toBe(defaultTotal + 3);
  await expect(page).toHaveURL(/\?brokers=9&compare=dataReplication%3Aisr%2Cquorum$/);

  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(2_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Share this moment' }).click();
  await expect(page.getByTestId('share-panel').getByRole('status')).toContainText('Opening it shows both runs at this moment', { timeout: 20_000 });
  expect(await page.getByTestId('share-link').inputValue()).toMatch(/\?brokers=9&seed=\d+&compare=dataReplication%3Aisr%2Cquorum&t=[\d.]+&events=\d+%2C\d+$/);
});

test('a reload in compare mode reopens both runs at the moment they stood at, not at the start', async ({ page }) => {
  test.setTimeout(150_000);
  failOnPageErrors(page);
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum');
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 30_000 });
  // At the start the address is the plain comparison link.
  await expect(page).toHaveURL(/\?scenario=isr-vs-quorum-straggler&compare=dataReplication%3Aisr%2Cquorum$/);

  await page.getByRole('button', { name: 'Play', exact: true }).click();
  // While it plays, the address follows the moment (every COMPARE_ADDRESS_EVERY_WALL_MS).
  await expect(page).toHaveURL(/&t=[\d.]+&events=\d+%2C\d+/, { timeout: 20_000 });
  await expect.poll(() => clockMs(page), { timeout: 30_000 }).toBeGreaterThan(3_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const before = await settledRuns(page);
  await expect.poll(() => Math.floor(Number(new URL(page.url()).searchParams.get('t'))), { timeout: 20_000 }).toBe(before.clockMs);

  await page.reload();
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => clockMs(page), { timeout: 60_000 }).toBe(before.clockMs);
  const after = await settledRuns(page);
  expect(after.clockMs).toBe(before.clockMs);
  expect(after.hashes).toBe(before.hashes);
  expect(after.traceFigures).toEqual(before.traceFigures);
  expect(after.events).toEqual(before.events);
  expect(after.step).toBe(before.step);
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeEnabled();
});
