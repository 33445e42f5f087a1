// Goal: the majority-quorum lesson runs on the page as it does headless: opened by its link, played
// to the end at full speed, every expectation held, and the trace hash its golden digest recorded
// (quorum mode is as deterministic in the browser's worker as in Node).
// Method: the built page in Chromium; the lesson's golden digest from test/golden/.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { fullPageScreenshot } from './screenshots';

test('the ISR-vs-quorum lesson plays to its golden end on the page', async ({ page }) => {
  const golden = JSON.parse(readFileSync('test/golden/isr-vs-quorum-straggler.golden.json', 'utf8')) as { traceHash: string };
  await page.goto('./?scenario=isr-vs-quorum-straggler');
  await expect(page.getByTestId('scenario-panel')).toContainText('ISR or majority quorum');
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('lesson-done')).toContainText('Finished: all 5 expectations held', { timeout: 45_000 });
  await expect(page.getByTestId('sim-clock')).toHaveText('1:30.000');
  await expect(page.getByTestId('trace-hash')).toHaveText(golden.traceHash);
  await expect(page.getByTestId('caption')).toContainText('A majority election needs two answers');
  await fullPageScreenshot(page, 'artifacts/screenshots/lesson-isr-vs-quorum.png');
});
