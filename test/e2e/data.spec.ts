// The data plane on the page: a producer's card shows its acknowledged records and latency, and
// when the durability oracle finds acknowledged records gone, the page raises an alarm with the
// cause (here: acks=1 let a leader acknowledge records its followers never had).
import { expect, test } from '@playwright/test';
import { fullPageScreenshot } from './screenshots';

test('acks=1 lesson: the producer card shows progress, and the data-loss alarm names its cause', async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  await page.goto('./?scenario=acks-1-loss');
  await expect(page.getByTestId('data-loss')).toHaveCount(0);
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('producer-figures-producer-1')).toContainText('Acked', { timeout: 20_000 });
  await expect(page.getByTestId('data-loss')).toContainText('acknowledged records lost', { timeout: 30_000 });
  await expect(page.getByTestId('data-loss')).toContainText('with acks=1, was lost: the leader acknowledged it before any follower had copied it');
  await expect(page.getByTestId('lesson-done')).toContainText('Finished: all', { timeout: 30_000 });
  await fullPageScreenshot(page, 'artifacts/screenshots/data-loss-alarm.png');
});

test('acks=all lesson: no alarm, the producer keeps its records through a leader crash', async ({ page }) => {
  await page.goto('./?scenario=acks-all-leader-crash');
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('lesson-done')).toContainText('Finished: all 3 expectations held', { timeout: 40_000 });
  await expect(page.getByTestId('data-loss')).toHaveCount(0);
});
