// The clauses of issue 7 that no other spec proved end to end (docs/page-tests.md lists which test
// proves each): every fault of the tool bar's Break menu and every load action of its Load menu is
// applied from its form and marked on the timeline; the four the issue names (object store outage,
// fill disk, slow link, isolate a zone) show their effect; every speed drives the clock; the
// cross-zone and consumer-lag charts draw; a 3-broker cluster lays out; a worker that fails shows
// an error with a restart button, which brings the page back.
// Method: the page as a person uses it; figures read from the page, never hard-coded.
import { expect, test, type Page } from '@playwright/test';
import { clockMs } from './clock';

test.beforeEach(({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

const youMarkers = (page: Page) => page.getByTestId('timeline').locator('[data-testid="timeline-marker"][data-kind="you"]');

/** The actions a tool bar menu lists now, by their data-action ids. */
async function menuActions(page: Page, group: 'break' | 'load'): Promise<string[]> {
  await page.getByTestId(`toolbar-${group}`).click();
  const menu = page.getByRole('menu', { name: `${group === 'break' ? 'Break' : 'Load'} actions` });
  await expect(menu).toBeVisible();
  const ids = await menu.getByRole('menuitem').evaluateAll((items) => items.map((item) => item.getAttribute('data-action') ?? ''));
  await page.keyboard.press('Escape');
  return ids;
}

/**
 * Opens `action` from its menu, lets `fill` set the form, and submits once the worker's check
 * accepts it. Returns false (and closes the form) when the engine refuses it in this state: the
 * reason is then on the form, which a restart of a running broker shows, for instance.
 */
async function apply(page: Page, group: 'break' | 'load', action: string, fill?: (form: ReturnType<Page['getByTestId']>) => Promise<unknown>): Promise<boolean> {
  await page.getByTestId(`toolbar-${group}`).click();
  await page.getByRole('menu', { name: `${group === 'break' ? 'Break' : 'Load'} actions` }).locator(`[data-action="${action}"]`).click();
  const form = page.getByTestId(`action-form-${action}`);
  await expect(form).toBeVisible();
  if (fill !== undefined) await fill(form);
  const submit = form.getByTestId('action-submit');
  try {
    await expect(submit).toBeEnabled({ timeout: 3_000 });
  } catch {
    await form.getByRole('button', { name: 'Cancel' }).click();
    return false;
  }
  const before = await youMarkers(page).count();
  await submit.click();
  await expect(form).toBeHidden();
  await expect(youMarkers(page)).toHaveCount(before + 1);
  return true;
}

test('every fault in the Break menu applies from its form and is marked on the timeline; the four named ones show their effect', async ({ page }) => {
  test.setTimeout(150_000);
  // The tiering lesson has every kind of target: brokers, controllers, clients and the object store.
  await page.goto('./?scenario=tiering-steady-state');
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 30_000 }).toBeGreaterThan(8_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();

  // The four the issue names, each with what it does to the cluster.
  expect(await apply(page, 'break', 'object-store-outage')).toBe(true);
  await expect(page.locator('[data-testid^="process-object-store"], [data-testid="process-s3"]').first()).toContainText('Outage: every request is answered 503');
  expect(await apply(page, 'break', 'slow-link', async (form) => {
    await form.getByLabel('Target').selectOption('broker-1');
    await form.locator('[data-field="to"]').selectOption('broker-2');
    await form.locator('[data-field="extraLatencyMs"]').fill('300');
  })).toBe(true);
  await expect(youMarkers(page).last()).toHaveAttribute('aria-label', /slow the link broker-1 ↔ broker-2 by 300ms/);
  expect(await apply(page, 'break', 'fill-disk', (form) => form.getByLabel('Target').selectOption('broker-3'))).toBe(true);
  await expect(page.getByTestId('process-broker-3')).toContainText(/full|0 B free/i);
  expect(await apply(page, 'break', 'isolate-zone', (form) => form.getByLabel('Zone').selectOption('zone-b'))).toBe(true);
  await expect(page.getByTestId('zone-zone-b')).toContainText('cut off from the rest of the network');

  // Then every other fault the menu lists, in its order, each applied where the engine takes it now.
  const applied = new Set(['object-store-outage', 'slow-link', 'fill-disk', 'isolate-zone']);
  const refused: string[] = [];
  for (const action of await menuActions(page, 'break')) {
    if (applied.has(action)) continue;
    if (await apply(page, 'break', action)) applied.add(action);
    else refused.push(action);
  }
  // Anything refused the first time (a restart needs a crashed target) gets a second chance now that more is broken.
  for (const action of refused.splice(0)) if (await apply(page, 'break', action)) applied.add(action);
  expect(refused).toEqual([]);
  for (const needed of ['crash', 'restart', 'isolate', 'heal-process', 'slow-disk', 'fill-disk', 'slow-link', 'cut-link', 'isolate-zone', 'heal-zone', 'object-store-outage', 'heal-object-store', 'heal-all']) {
    expect([...applied]).toContain(needed);
  }
  await page.getByTestId('timeline').screenshot({ path: 'artifacts/screenshots/audit-every-fault-timeline.png' });
});

test('every load action in the Load menu applies from its form and is marked on the timeline', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('./?scenario=consumer-fan-out');
  await expect(page.getByTestId('toolbar-load')).toBeEnabled({ timeout: 30_000 });
  // Past the moment the lesson's topic exists (the forms list topics from the metadata); at 10x,
  // not Max, so the pause lands well before the lesson's end (an ended run offers no Pause).
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 30_000 }).toBeGreaterThan(8_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const actions = await menuActions(page, 'load');
  for (const needed of ['add-producer', 'change-load', 'change-producer', 'remove-producer', 'add-consumer', 'remove-consumer', 'create-topic']) expect(actions).toContain(needed);
  // Add first, so that there is something to change and to remove; the rest in the menu's order.
  expect(await apply(page, 'load', 'add-producer')).toBe(true);
  expect(await apply(page, 'load', 'add-consumer')).toBe(true);
  // Change rate, record size and acks: each as typed, and the timeline says what changed.
  expect(await apply(page, 'load', 'change-load', (form) => form.locator('[data-field="recordsPerSecond"]').fill('321'))).toBe(true);
  await expect(youMarkers(page).last()).toHaveAttribute('aria-label', /321/);
  expect(await apply(page, 'load', 'change-producer', async (form) => {
    await form.locator('[data-field="recordBytes"]').fill('2048');
    await form.locator('[data-field="acks"]').selectOption('1');
  })).toBe(true);
  await expect(youMarkers(page).last()).toHaveAttribute('aria-label', /2048/);
  for (const action of actions.filter((id) => !['add-producer', 'add-consumer', 'change-load', 'change-producer'].includes(id))) {
    expect({ action, applied: await apply(page, 'load', action) }).toEqual({ action, applied: true });
  }
});

test('each speed drives the clock: 1x, 10x, 100x and Max, one radio checked at a time', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  for (const speed of ['1×', '10×', '100×', 'Max']) {
    await page.getByRole('radio', { name: speed }).click();
    await expect(page.getByRole('radio', { name: speed })).toHaveAttribute('aria-checked', 'true');
    await expect(page.getByRole('radio', { checked: true })).toHaveCount(1);
    const from = await clockMs(page);
    await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(from);
  }
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});

test('the cross-zone and consumer charts draw: cross-zone bytes and their cost, consumer lag and rate, end-to-end latency', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('./?scenario=consumer-fan-out');
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  // The whole lesson (60 s) at Max: pausing part-way raced its end (a fast engine got there between
  // the poll and the click, and an ended run offers Play, not Pause). It stands still at its end.
  await expect.poll(() => clockMs(page), { timeout: 60_000 }).toBe(60_000);
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  const seriesMax = async (chart: string, series: string) => Number(await page.getByTestId(`chart-table-${chart}`).locator(`th[data-series="${series}"]`).getAttribute('data-max'));
  expect(await seriesMax('cross-zone', 'crossZone.bytesPerSec')).toBeGreaterThan(0);
  expect(await seriesMax('cross-zone', 'crossZone.costUsd')).toBeGreaterThan(0);
  expect(await seriesMax('consumers', 'records-consumed-rate')).toBeGreaterThan(0);
  // End-to-end latency (produce to consume) beside the produce percentiles.
  expect(await seriesMax('latency', 'consumer.e2eLatencyMsP99')).toBeGreaterThan(0);
  expect(await seriesMax('latency', 'producer.latencyMsP50')).toBeGreaterThan(0);
  expect(await seriesMax('latency', 'producer.latencyMsP999')).toBeGreaterThanOrEqual(await seriesMax('latency', 'producer.latencyMsP50'));
  await expect(page.getByTestId('chart-table-consumers').locator('th[data-series="records-lag-max"]')).toHaveAttribute('data-max', /^\d/);
  await expect(page.getByTestId('chart-consumers').locator('canvas')).toHaveCount(1);
  await page.getByRole('region', { name: 'Metrics' }).screenshot({ path: 'artifacts/screenshots/audit-charts-consumers.png' });
});

test('the smallest cluster, 3 brokers, lays out as one broker per zone', async ({ page }) => {
  await page.goto('./?brokers=3');
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
  await expect(page.locator('[data-testid^="process-broker-"]')).toHaveCount(3);
  for (const zone of ['zone-a', 'zone-b', 'zone-c']) await expect(page.getByTestId(`zone-${zone}`)).toBeVisible();
  await page.screenshot({ path: 'artifacts/screenshots/audit-3-brokers.png' });
});

test('a worker that fails shows what happened and a restart button, which brings the simulation back', async ({ page }) => {
  // The worker's script throws as it loads: what a broken deploy or an engine crash looks like to the page.
  await page.route(/engine\.worker[^/]*\.js$/, (route) => route.fulfill({ contentType: 'text/javascript', body: 'throw new Error("the test broke the worker");' }));
  await page.goto('./');
  const failure = page.getByRole('alert').filter({ hasText: 'The simulation stopped' });
  await expect(failure).toBeVisible({ timeout: 30_000 });
  await expect(failure).toContainText('The simulation worker stopped');
  await page.screenshot({ path: 'artifacts/screenshots/audit-worker-failed.png' });
  await page.unroute(/engine\.worker[^/]*\.js$/);
  await failure.getByRole('button', { name: /Restart/ }).click();
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
  await expect(failure).toHaveCount(0);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(0);
});
