// Charts on the page: a lesson with load draws points every simulated second; the charts keep
// still while paused and go on after a speed change; crashing the partition's leader shows on the
// partition-health chart as an under-replicated partition once the controller has moved
// leadership. The data is read through each chart's table and data attributes, never from pixels.
import { expect, test, type Page } from '@playwright/test';

async function points(page: Page, chart: string): Promise<number> {
  return Number(await page.getByTestId(`chart-${chart}`).getAttribute('data-points'));
}

async function seriesMax(page: Page, chart: string, series: string): Promise<number> {
  const value = await page.getByTestId(`chart-table-${chart}`).locator(`th[data-series="${series}"]`).getAttribute('data-max');
  return value === null || value === '' ? Number.NaN : Number(value);
}

test('charts follow the simulated clock, and a leader crash shows as an under-replicated partition', async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  await page.goto('./?scenario=acks-all-leader-crash');
  // Before Play a chart says it has no point yet, over an axis of whole seconds.
  await expect(page.getByTestId('chart-latency')).toContainText('No samples yet');
  await page.getByRole('radio', { name: '1×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();

  // The producer starts at 6 s; the lesson itself crashes the leader at 15 s, so pause before.
  await expect.poll(() => points(page, 'latency'), { timeout: 20_000, intervals: [50] }).toBeGreaterThanOrEqual(8);
  await expect(page.getByTestId('chart-latency')).not.toContainText('No samples yet');
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('status-broker-1')).toContainText('Up');
  // The throughput and latency charts got points.
  expect(await seriesMax(page, 'throughput', 'BytesInPerSec')).toBeGreaterThan(1);
  expect(await seriesMax(page, 'latency', 'producer.latencyMsP99')).toBeGreaterThan(0);
  await expect(page.getByTestId('chart-latency').locator('canvas')).toHaveCount(1);
  expect(await seriesMax(page, 'partitions', 'UnderReplicatedPartitions')).toBe(0);

  // Paused, nothing moves; the chart is not rebuilt (the same canvas stays).
  // Mark the canvas: a chart re-created per frame would lose the mark.
  await page.getByTestId('chart-latency').locator('canvas').evaluate((canvas) => canvas.setAttribute('data-mark', 'first'));
  const pausedAt = await points(page, 'latency');
  await page.waitForTimeout(700);
  expect(await points(page, 'latency')).toBe(pausedAt);

  // Crash the leader of orders-0 (broker-1) ourselves, then play at 100x.
  await page.getByTestId('process-broker-1').getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId('status-broker-1')).toContainText('Crashed');
  await page.getByRole('radio', { name: '100×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => points(page, 'latency'), { timeout: 10_000 }).toBeGreaterThan(pausedAt);

  // broker-1 is fenced after broker.session.timeout.ms; the new leader's ISR misses it.
  await expect.poll(() => seriesMax(page, 'partitions', 'UnderReplicatedPartitions'), { timeout: 30_000 }).toBe(1);
  await expect.poll(() => seriesMax(page, 'partitions', 'LeaderElectionRateAndTimeMs'), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('chart-latency').locator('canvas')).toHaveAttribute('data-mark', 'first');
  await expect(page.getByTestId('lesson-done')).toContainText('Finished', { timeout: 40_000 });
  // The producer's latest errors are explained on its card and in the event log.
  await expect(page.getByTestId('producer-errors-producer-1')).toContainText(/REQUEST_TIMED_OUT: [^.]*broker-1/);
  await expect(page.getByTestId('event-log')).toContainText('producer-1 retries: REQUEST_TIMED_OUT');
  await page.getByTestId('process-producer-1').screenshot({ path: 'artifacts/screenshots/producer-errors.png' });
  // The cost chart says what it assumes.
  await expect(page.getByRole('region', { name: 'Metrics' })).toContainText('$0.01/GB each way');

  await page.getByRole('region', { name: 'Metrics' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'artifacts/screenshots/charts-1440x900.png' });
  await page.getByRole('region', { name: 'Metrics' }).screenshot({ path: 'artifacts/screenshots/charts-panel.png' });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByRole('region', { name: 'Metrics' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'artifacts/screenshots/charts-1280x720.png' });
});
