// The consumer cards, driven through the rebalance lesson: three consumers of the group "billing"
// own two partitions each; consumer-2 crashes at 30 s; 45 s later (session.timeout.ms) the
// coordinator rebalances and the two survivors own three partitions each, in generation 2.
import { expect, test } from '@playwright/test';
import { clockMs } from './clock';
import { partitionsListed } from './partitions-text';
import { fullPageScreenshot } from './screenshots';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

const partitionsOf = partitionsListed;

test('rebalance lesson: consumer cards show the group, its partitions, and the rebalance after a consumer crashes', async ({ page }) => {
  await page.goto('./?scenario=consumer-group-rebalance');
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();

  // The group forms: each consumer's card names the group, generation 1 and two partitions.
  for (const id of ['consumer-1', 'consumer-2', 'consumer-3']) {
    await expect(page.getByTestId(`consumer-group-${id}`)).toContainText('group billing', { timeout: 30_000 });
  }
  await expect(page.getByTestId('consumer-group-consumer-1')).toContainText('generation 1', { timeout: 30_000 });
  await expect.poll(async () => partitionsOf((await page.getByTestId('consumer-partitions-consumer-1').textContent()) ?? ''), { timeout: 30_000 }).toBe(2);
  await expect(page.getByTestId('consumer-figures-consumer-1')).toContainText('Lag');

  // After the crash and the session timeout: consumer-2 is down, the survivors own three partitions each in generation 2.
  await expect(page.getByTestId('status-consumer-2')).toHaveText('Crashed', { timeout: 40_000 });
  await expect(page.getByTestId('consumer-group-consumer-1')).toContainText('generation 2', { timeout: 40_000 });
  expect(await clockMs(page)).toBeGreaterThan(70_000);
  await expect.poll(async () => partitionsOf((await page.getByTestId('consumer-partitions-consumer-1').textContent()) ?? ''), { timeout: 20_000 }).toBe(3);
  await expect.poll(async () => partitionsOf((await page.getByTestId('consumer-partitions-consumer-3').textContent()) ?? ''), { timeout: 20_000 }).toBe(3);
  await page.getByTestId('process-consumer-1').scrollIntoViewIfNeeded();
  await fullPageScreenshot(page, 'artifacts/screenshots/consumers-rebalanced.png');
});
