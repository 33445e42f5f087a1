// A slow disk and a change of load, from the page: the straggler lesson shows the slow disk on its
// broker's card with the writes waiting on it, and a person can step a producer's rate from its card.
import { expect, test } from '@playwright/test';

test('straggler lesson: the broker card shows its slow disk; the producer card steps its rate', async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  await page.goto('./?scenario=slow-disk-straggler');
  const rate = page.getByTestId('producer-rate-producer-1');
  await expect(rate).toHaveText('2.0k records/s');
  await expect(page.getByTestId('disk-broker-2')).toHaveCount(0);

  // Before playing: one step up the rate ladder, 2,000 -> 5,000 records/s.
  await page.getByRole('button', { name: "Raise producer-1's rate" }).click();
  // 10x: the disk is slow from 15 s to 40 s of the lesson, 2.5 s of wall time to look at it.
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(rate).toHaveText('5.0k records/s', { timeout: 20_000 });

  await expect(page.getByTestId('disk-broker-2')).toContainText('Slow disk: +40 ms a write, 0.2 MB/s', { timeout: 30_000 });
  await expect(page.getByTestId('process-broker-2').getByRole('button', { name: 'Heal disk' })).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: 'artifacts/screenshots/slow-disk-straggler.png' });
  await page.getByRole('radio', { name: 'Max' }).click();

  // The lesson heals the disk at 40 s and triples the load at 55 s.
  await expect(page.getByTestId('lesson-done')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('disk-broker-2')).toHaveCount(0);
  await expect(rate).toHaveText('6.0k records/s');
});
