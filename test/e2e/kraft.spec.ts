// The KRaft layer on the page, driven as a learner would in real Chromium: the controller quorum
// elects a leader and the brokers register; crashing the active controller makes another one
// lead a newer epoch; a controlled shutdown and a crash end with the broker fenced, and the
// metadata log shows every step as records that are appended, then committed.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { fullPageScreenshot } from './screenshots';

const BROKERS = ['broker-1', 'broker-2', 'broker-3', 'broker-4', 'broker-5', 'broker-6'];

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

async function play(page: Page, speed: '1×' | '10×' | '100×'): Promise<void> {
  await page.getByRole('radio', { name: speed }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
}

async function pause(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
}

async function epoch(page: Page): Promise<number> {
  return Number(await page.getByTestId('quorum-epoch').textContent());
}

async function leader(page: Page): Promise<string> {
  return ((await page.getByTestId('quorum-leader').textContent()) ?? '').trim();
}

/** Records in the metadata log viewer whose text starts with `text` (case matters), committed or not. */
function records(page: Page, text: string, committed?: boolean): Locator {
  const selector = committed === undefined ? 'li.mlog-row' : `li.mlog-row[data-committed="${committed}"]`;
  const startsWith = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  return page
    .getByTestId('metadata-log')
    .locator(selector)
    .filter({ has: page.locator('.mlog-text', { hasText: startsWith }) });
}

/** Plays until a controller leads and is active, and every broker is RUNNING and unfenced. */
async function formCluster(page: Page, speed: '10×' | '100×' = '10×'): Promise<string> {
  await page.goto('./');
  await expect(page.getByTestId('quorum-panel')).toBeVisible();
  await play(page, speed);
  await expect(page.getByTestId('quorum-leader')).toHaveText(/^controller-\d+$/, { timeout: 20_000 });
  const current = await leader(page);
  await expect(page.getByTestId(`role-${current}`)).toContainText('Leader · active controller', { timeout: 20_000 });
  for (const broker of BROKERS) {
    await expect(page.getByTestId(`lifecycle-${broker}`)).toHaveText('RUNNING', { timeout: 20_000 });
    await expect(page.getByTestId(`registration-${broker}`)).toHaveText('Unfenced');
  }
  return leader(page);
}

test('the quorum elects a leader, brokers register and run, and the metadata log commits their records', async ({ page }) => {
  const first = await formCluster(page);
  expect(await epoch(page)).toBeGreaterThanOrEqual(1);

  // Exactly one controller card wears the badge, and it is the quorum's leader.
  const badged = page.locator('[data-testid^="process-controller-"]').filter({ hasText: 'Leader · active controller' });
  await expect(badged).toHaveCount(1);
  await expect(badged).toHaveAttribute('data-testid', `process-${first}`);
  // The other voters follow it.
  for (const voter of ['controller-1', 'controller-2', 'controller-3'].filter((id) => id !== first)) {
    await expect(page.getByTestId(`role-${voter}`)).toHaveText('Follower');
    await expect(page.getByTestId(`voter-${voter}`)).toContainText('Follower');
  }

  await expect.poll(async () => Number(await page.getByTestId('metadata-hw').textContent())).toBeGreaterThanOrEqual(14);

  // The log, as the leader has it: the election, then each broker's registration and unfencing.
  // Read paused, as a reader would: while the run plays the list draws only its newest rows
  // (use-live-window.ts), and on a slow machine the registrations can already be older than those.
  await pause(page);
  await expect(page.getByTestId('metadata-log-source')).toContainText(first);
  await expect(records(page, `LeaderChange: ${first} leads epoch`, true).first()).toBeAttached();
  for (const broker of BROKERS) {
    await expect(records(page, `RegisterBroker ${broker} `, true)).toHaveCount(1);
    await expect(records(page, `UnfenceBroker ${broker}`, true)).toHaveCount(1);
  }
  await expect(page.getByTestId('quorum-panel')).toContainText('Brokers follow the log as observers');
});

test('crashing the active controller: another controller leads a newer epoch and writes its LeaderChange', async ({ page }) => {
  const old = await formCluster(page);
  const oldEpoch = await epoch(page);

  // Paused, the crash is visible at once: no leader, an election is due.
  await pause(page);
  const crash = page.getByRole('button', { name: 'Crash the active controller' });
  await crash.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(`status-${old}`)).toHaveText('Crashed');
  await expect(page.getByTestId('quorum-leader')).toHaveText('electing…');
  await expect(page.getByTestId(`voter-${old}`)).toContainText('Crashed');
  await expect(crash).toBeDisabled();

  await play(page, '10×');
  await expect
    .poll(async () => ({ leader: /^controller-\d+$/.test(await leader(page)) && (await leader(page)) !== old, epoch: await epoch(page) > oldEpoch }), {
      timeout: 20_000,
    })
    .toEqual({ leader: true, epoch: true });
  const next = await leader(page);
  const nextEpoch = await epoch(page);
  await expect(page.getByTestId(`role-${next}`)).toContainText('Leader · active controller', { timeout: 20_000 });
  await expect(page.locator('[data-testid^="process-controller-"]').filter({ hasText: 'Leader · active controller' })).toHaveCount(1);
  await expect(records(page, `LeaderChange: ${next} leads epoch ${nextEpoch}`, true)).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId('metadata-log-source')).toContainText(next);
  // The brokers find the new leader and stay registered.
  for (const broker of BROKERS) await expect(page.getByTestId(`lifecycle-${broker}`)).toHaveText('RUNNING');

  await pause(page);
  await fullPageScreenshot(page, 'artifacts/screenshots/kraft-failover.png');
});

test('a controlled shutdown: PENDING_CONTROLLED_SHUTDOWN, then stopped and fenced; a restart registers again', async ({ page }) => {
  await formCluster(page);
  await pause(page);
  const card = page.getByTestId('process-broker-2');
  await card.getByRole('button', { name: 'Shut down' }).click();

  // Step event by event until the broker has taken the operator's request.
  const lifecycle = page.getByTestId('lifecycle-broker-2');
  await expect
    .poll(
      async () => {
        const text = await lifecycle.textContent();
        if (text !== 'PENDING_CONTROLLED_SHUTDOWN') await page.getByRole('button', { name: 'Step one event' }).click();
        return text;
      },
      { timeout: 20_000, intervals: [50] },
    )
    .toBe('PENDING_CONTROLLED_SHUTDOWN');
  await expect(card.getByRole('button', { name: 'Shut down' })).toHaveCount(0);

  await play(page, '1×');
  await expect(page.getByTestId('status-broker-2')).toHaveText('Stopped', { timeout: 20_000 });
  await expect(card).toContainText('Stopped (controlled shutdown)');
  await expect(page.getByTestId('registration-broker-2')).toHaveText('Fenced', { timeout: 20_000 });
  await expect(records(page, 'BrokerRegistrationChange broker-2: in controlled shutdown', true)).toHaveCount(1, { timeout: 20_000 });
  await expect(records(page, 'FenceBroker broker-2', true)).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId('event-log')).toContainText('broker-2 stopped');

  // A restart is a new incarnation: it registers again and is unfenced once caught up.
  await card.getByRole('button', { name: 'Restart' }).click();
  await expect(page.getByTestId('status-broker-2')).toHaveText('Up');
  await page.getByRole('radio', { name: '10×' }).click();
  await expect(lifecycle).toHaveText('RUNNING', { timeout: 20_000 });
  await expect(page.getByTestId('registration-broker-2')).toHaveText('Unfenced', { timeout: 20_000 });
  // While the run plays the metadata log draws its newest rows only; paused, it draws back to the first registration.
  await pause(page);
  await expect(records(page, 'RegisterBroker broker-2 ', true)).toHaveCount(2, { timeout: 20_000 });
});

test('a crashed broker stays registered until its session times out, then the controller fences it', async ({ page }) => {
  await formCluster(page, '100×');
  await pause(page);
  const card = page.getByTestId('process-broker-4');
  await card.getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId('status-broker-4')).toHaveText('Crashed');
  // The controller has not noticed yet: a crash is silence, not a goodbye.
  await expect(page.getByTestId('registration-broker-4')).toHaveText('Unfenced');
  await expect(card).toContainText('Still counted as live');

  await play(page, '100×');
  await expect(page.getByTestId('registration-broker-4')).toHaveText('Fenced', { timeout: 20_000 });
  // Paused, the metadata log draws every record it keeps (playing, its newest 40: at 100x the
  // FenceBroker record can pass out of those between two frames).
  await pause(page);
  await expect(records(page, 'FenceBroker broker-4', true)).toHaveCount(1, { timeout: 20_000 });
  await expect(records(page, 'FenceBroker broker-4')).toContainText('no heartbeat for');
  await expect(card).not.toContainText('Still counted as live');
  await expect(page.getByTestId('status-broker-4')).toHaveText('Crashed');

  await fullPageScreenshot(page, 'artifacts/screenshots/kraft-fenced.png');
});

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]) {
  test(`the quorum and metadata log panels fit at ${viewport.width}x${viewport.height}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await formCluster(page);
    await pause(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Nothing inside the panels or the cards is cut off sideways.
    const clipped = await page.evaluate(() =>
      [...document.querySelectorAll('.quorum, .mlog, .mlog-list, .card')]
        .filter((element) => element.scrollWidth > element.clientWidth + 1)
        .map((element) => element.getAttribute('data-testid') ?? element.className),
    );
    expect(clipped).toEqual([]);
    await expect(page.getByTestId('quorum-panel')).toBeVisible();
    await expect(page.getByTestId('metadata-log')).toBeVisible();
    await fullPageScreenshot(page, `artifacts/screenshots/kraft-${viewport.width}x${viewport.height}.png`);
  });
}
