// The partitions panel, driven through the acks=all lesson: orders-0 lives on broker-1/2/3 with
// broker-1 leading; broker-1 crashes at 15 s and restarts at 30 s. The panel shows the leader, each
// replica's place in (or out of) the ISR, and its log on a bar; after the crash another in-sync
// replica leads, and by the end broker-1 is back in the ISR.
import { expect, test, type Page } from '@playwright/test';
import { clockMs } from './clock';
import { fullPageScreenshot } from './screenshots';

const REPLICAS = ['broker-1', 'broker-2', 'broker-3'];

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

async function pause(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
}

const state = (page: Page, broker: string) => page.getByTestId(`replica-state-orders-0-${broker}`);

test('acks=all lesson: the partitions panel follows orders-0 through a leader crash and back', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('./?scenario=acks-all-leader-crash');
  // Max runs the whole 55 s lesson in well under a second of wall time, far too fast to stop at a
  // chosen moment: the phases we look at are played at 1x, and the rest at Max. At 10x a loaded
  // machine's Pause landed half a second of wall time late: past the crash, or past the restart.
  await page.getByRole('radio', { name: '1×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();

  // Early, before the crash at 15 s: broker-1 leads, all three replicas are in sync.
  const panel = page.getByTestId('partitions-panel');
  const row = page.getByTestId('partition-orders-0');
  await expect(row).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => clockMs(page), { timeout: 20_000, intervals: [20] }).toBeGreaterThan(10_000);
  await pause(page);
  expect(await clockMs(page), 'paused before the crash').toBeLessThan(15_000);
  await expect(panel).toContainText('1 partition');
  await expect(row).toContainText('orders-0');
  await expect(page.getByTestId('partition-leader-orders-0')).toHaveText('broker-1');
  await expect(state(page, 'broker-1')).toHaveText('leader');
  await expect(state(page, 'broker-2')).toHaveText('ISR');
  await expect(state(page, 'broker-3')).toHaveText('ISR');
  await expect(row).toContainText('ISR 3/3');
  // The producer has been writing since 6 s: every replica has a log with records in it.
  for (const broker of REPLICAS) await expect(page.getByTestId(`replica-orders-0-${broker}`).locator('.replica-end')).toHaveText(/^[1-9][\d,]*$/);
  await fullPageScreenshot(page, 'artifacts/screenshots/partitions-before-crash.png');

  // After the crash and the controller's fencing, an in-sync follower leads; pause as soon as it does.
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect
    .poll(async () => ((await page.getByTestId('partition-leader-orders-0').textContent()) ?? '').trim(), { timeout: 40_000, intervals: [20] })
    .toMatch(/^broker-[23]$/);
  await pause(page);
  const newLeader = ((await page.getByTestId('partition-leader-orders-0').textContent()) ?? '').trim();
  expect(newLeader).toMatch(/^broker-[23]$/);
  await expect(state(page, newLeader)).toHaveText('leader');
  await expect(state(page, 'broker-1')).toHaveText(/^(down|out of ISR)$/);
  await expect(row).not.toContainText('unclean');
  await fullPageScreenshot(page, 'artifacts/screenshots/partitions-failover.png');

  // By the end broker-1 has restarted, caught up, and rejoined the ISR.
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('lesson-done')).toContainText('Finished: all 3 expectations held', { timeout: 40_000 });
  for (const broker of REPLICAS) await expect(state(page, broker)).toHaveText(/^(leader|ISR)$/);
  await expect(row).toContainText('ISR 3/3');
  await expect(page.getByTestId('partition-leader-orders-0')).toHaveText(/^broker-\d$/);
  await fullPageScreenshot(page, 'artifacts/screenshots/partitions.png');
});

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 390, height: 844 },
]) {
  test(`the partitions panel fits at ${viewport.width}x${viewport.height}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('./?scenario=acks-all-leader-crash');
    await page.getByRole('radio', { name: 'Max' }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect(page.getByTestId('lesson-done')).toContainText('Finished', { timeout: 40_000 });
    await expect(page.getByTestId('partition-orders-0')).toBeVisible();
    // Measured as a reader sees it, scrolled to: off screen the panel and its rows are skipped
    // (content-visibility: auto, perf.css) and the replicas' narrow layout is a container query on
    // the row. A clean-clone run (2026-12-02) once measured orders-0's row and replicas wider than
    // their boxes right after the lesson ended with the panel off screen at 390x844; 18 runs since
    // did not reproduce it.
    await page.getByTestId('partitions-panel').scrollIntoViewIfNeeded();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const clipped = await page.evaluate(() =>
      [...document.querySelectorAll('.partitions, .parts, .part, .replica')]
        .filter((element) => element.scrollWidth > element.clientWidth + 1)
        .map((element) => element.getAttribute('data-testid') ?? element.className),
    );
    expect(clipped).toEqual([]);
    await page.getByTestId('partitions-panel').screenshot({ path: `artifacts/screenshots/partitions-${viewport.width}x${viewport.height}.png` });
  });
}
