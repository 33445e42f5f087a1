// Saved sessions in real Chromium and its real IndexedDB: run a lesson, break something, reload the
// page, and the run resumes at the same moment in the same state (same clock, same trace hash);
// the session list reopens or deletes runs; a link to a session this browser does not have says so
// and starts the lesson afresh.
import { expect, test } from '@playwright/test';
import { clockMs } from './clock';

test('a reload resumes the run where it was: same clock, same trace hash', async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  await page.goto('./?scenario=acks-all-leader-crash');
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(9_000);
  await page.getByTestId('process-broker-5').getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId('status-broker-5')).toHaveText('Crashed');
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(12_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  await expect(page.getByTestId('save-status')).toHaveText('Saved in this browser');
  const clock = await page.getByTestId('sim-clock').textContent();
  const hash = await page.getByTestId('trace-hash').textContent();
  expect(page.url()).toMatch(/[?&]session=[a-z0-9-]+/);

  await page.reload();
  await expect(page.getByTestId('sim-clock')).toHaveText(clock!, { timeout: 20_000 });
  await expect(page.getByTestId('trace-hash')).toHaveText(hash!);
  await expect(page.getByTestId('status-broker-5')).toHaveText('Crashed');
  await expect(page.getByRole('combobox', { name: 'Open a lesson' })).toHaveValue('acks-all-leader-crash');
  await expect(page.getByTestId('save-problem')).toHaveCount(0);

  // It goes on from there.
  const resumedAt = await clockMs(page);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(resumedAt + 500);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  const savedAt = await clockMs(page);

  // The session list knows it, and an earlier run can be reopened or deleted.
  await page.getByRole('combobox', { name: 'Open a lesson' }).selectOption('broker-crash');
  await expect(page.getByTestId('sim-clock')).toHaveText('0:00.000');
  await page.getByTestId('sessions-toggle').click();
  const list = page.getByRole('region', { name: 'Sessions saved in this browser' });
  await expect(list.locator('li')).toHaveCount(2);
  await expect(list.locator('li').nth(1)).toContainText('acks=all survives a leader crash');
  await page.screenshot({ path: 'artifacts/screenshots/sessions-list.png' });
  await list.locator('li').nth(1).getByRole('button', { name: 'Open' }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBe(savedAt);
  await expect(page.getByTestId('status-broker-5')).toHaveText('Crashed');
});

test('a link to a session this browser does not have says so and starts the lesson afresh', async ({ page }) => {
  await page.goto('./?scenario=broker-crash&session=nothing-here');
  await expect(page.getByRole('status').filter({ hasText: 'could not be resumed' })).toContainText(
    'The saved session could not be resumed: no saved session "nothing-here" in this browser',
  );
  await expect(page.getByTestId('sim-clock')).toHaveText('0:00.000');
  await expect(page.getByRole('combobox', { name: 'Open a lesson' })).toHaveValue('broker-crash');
  await expect(page).not.toHaveURL(/nothing-here/);
});
