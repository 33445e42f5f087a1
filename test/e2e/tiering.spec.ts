// Tiered storage from the page: the tiering lesson plays, objects appear in the object store card,
// and each leader's card shows its local disk bytes and the segments it uploaded; once the late
// consumer reads old offsets, the topology draws the read from the object store back to a broker.
import { expect, test } from '@playwright/test';

test('tiering lesson: objects appear in the object store card; broker cards show local bytes and uploads', async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  await page.goto('./?scenario=tiering-steady-state');
  const figures = page.getByTestId('object-store-figures-object-store');
  await expect(figures).toBeVisible({ timeout: 20_000 });
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();

  // Uploads start once segments close (5 s) and the RLM task runs (every 5 s).
  await expect(async () => {
    const text = (await figures.textContent()) ?? '';
    const objects = Number(/Objects\s*([\d,.]+)/.exec(text)?.[1]?.replace(/,/g, '') ?? '0');
    expect(objects).toBeGreaterThan(5);
  }).toPass({ timeout: 60_000 });
  const tiering = page.locator('[data-testid^="uploaded-broker-"]');
  await expect(tiering.first()).toBeVisible();
  await expect(page.locator('[data-testid^="local-bytes-broker-"]').first()).toContainText('Disk');
  await expect(tiering.filter({ hasText: /[1-9]\d* uploaded/ }).first()).toBeVisible();
  const leaderCard = page.getByTestId('process-broker-2');
  await leaderCard.scrollIntoViewIfNeeded();
  await leaderCard.screenshot({ path: 'artifacts/screenshots/tiering-broker-card.png' });
  await page.getByTestId('process-object-store').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'artifacts/screenshots/tiering-steady-state.png' });

  // The audit consumer starts at 80 s from the earliest offset: its leaders read old segments back
  // from the object store, and the topology draws that read (object store -> broker).
  await page.getByRole('radio', { name: '100×' }).click();
  const read = page.locator('.react-flow__edge.topo-flow-remote-read');
  await expect(read.first()).toBeAttached({ timeout: 90_000 });
  await expect(page.locator('.topo-legend')).toContainText('read from the object store');
  await page.locator('.react-flow').screenshot({ path: 'artifacts/screenshots/tiering-remote-read.png' });
});
