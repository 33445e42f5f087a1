// Break and load from the tool bar and the context menus, in real Chromium. Goal: a learner adds a
// producer from the tool bar and sees it produce; adds two consumers, removes one from its card's
// menu and sees the group rebalance; creates a topic and sees its partitions; a bad value is
// explained as it is typed and the submit stays disabled; a broker is crashed from its context
// menu, opened by right-click and by keyboard. Every action is marked on the timeline.
// Method: free play at Max speed; everything is read from the page (cards, partitions, timeline
// markers' labels), never from hard-coded figures.
import { expect, test, type Page } from '@playwright/test';
import { partitionsListed } from './partitions-text';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  await page.goto('./');
  await expect(page.getByTestId('toolbar-load')).toBeEnabled({ timeout: 30_000 });
});

async function play(page: Page): Promise<void> {
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
}

/** Opens a tool bar menu and chooses an action by its data-action id. */
async function chooseFromToolbar(page: Page, group: 'break' | 'load', action: string): Promise<void> {
  await page.getByTestId(`toolbar-${group}`).click();
  await page.getByRole('menu', { name: `${group === 'break' ? 'Break' : 'Load'} actions` }).locator(`[data-action="${action}"]`).click();
}

/** The timeline markers of the person's own actions, by what they say. */
function myMarker(page: Page, text: RegExp) {
  return page.getByTestId('timeline').locator('[data-testid="timeline-marker"][data-kind="you"]').and(page.getByLabel(text));
}

const partitionCount = partitionsListed;

test('add a producer from the tool bar: it appears, produces, and the timeline marks it', async ({ page }) => {
  await play(page);
  await expect(page.getByTestId('status-broker-1')).toHaveText('Up');
  await chooseFromToolbar(page, 'load', 'add-producer');
  const form = page.getByTestId('action-form-add-producer');
  await expect(form).toBeVisible();
  await form.locator('[data-field="recordsPerSecond"]').fill('250');
  await form.locator('[data-field="acks"]').selectOption('1');
  await expect(form.getByTestId('action-submit')).toBeEnabled();
  await page.screenshot({ path: 'artifacts/screenshots/actions-add-producer-form.png' });
  await form.getByTestId('action-submit').click();
  await expect(form).toBeHidden();

  const card = page.getByTestId('process-producer-1');
  await expect(card).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('producer-rate-producer-1')).toContainText('250 records/s');
  await expect.poll(async () => Number(((await page.getByTestId('producer-figures-producer-1').locator('dd').first().textContent()) ?? '0').replace(/\D/g, '')), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(myMarker(page, /add producer-1 to orders: 250 records\/s of 1024 bytes, acks=1/)).toHaveCount(1);
  await card.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'artifacts/screenshots/actions-producer-added.png' });
});

test('remove a consumer from its menu: it leaves its group, which rebalances so the other owns every partition', async ({ page }) => {
  // Two groups form and one rebalances: slow on a shared machine.
  test.slow();
  await play(page);
  for (const _ of [1, 2]) {
    await chooseFromToolbar(page, 'load', 'add-consumer');
    const form = page.getByTestId('action-form-add-consumer');
    await form.locator('[data-field="group.id"]').fill('billing');
    await expect(form.getByTestId('action-submit')).toBeEnabled();
    await form.getByTestId('action-submit').click();
    await expect(form).toBeHidden();
  }
  for (const id of ['consumer-1', 'consumer-2']) {
    await expect.poll(async () => partitionCount(await page.getByTestId(`consumer-partitions-${id}`).textContent()), { timeout: 40_000 }).toBe(6);
  }
  const before = Number(/generation (\d+)/.exec((await page.getByTestId('consumer-group-consumer-1').textContent()) ?? '')?.[1]);

  await page.getByTestId('actions-consumer-2').click();
  const menu = page.getByRole('menu', { name: 'Actions for consumer-2' });
  await expect(menu).toBeVisible();
  await page.screenshot({ path: 'artifacts/screenshots/actions-consumer-menu.png' });
  await menu.getByRole('menuitem', { name: /Remove consumer/ }).click();

  await expect(page.getByTestId('status-consumer-2')).toHaveText('Stopped', { timeout: 20_000 });
  await expect.poll(async () => partitionCount(await page.getByTestId('consumer-partitions-consumer-1').textContent()), { timeout: 30_000 }).toBe(12);
  const after = Number(/generation (\d+)/.exec((await page.getByTestId('consumer-group-consumer-1').textContent()) ?? '')?.[1]);
  expect(after).toBeGreaterThan(before);
  await expect(myMarker(page, /remove consumer-2: it commits its positions and leaves its group/)).toHaveCount(1);
  await expect(myMarker(page, /add consumer-\d to group billing reading orders/)).toHaveCount(2);
  await page.getByTestId('process-consumer-1').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'artifacts/screenshots/actions-consumer-removed.png' });
});

test('create a topic: its partitions appear, and the timeline marks it', async ({ page }) => {
  await play(page);
  await expect(page.getByTestId('partition-orders-0')).toBeVisible({ timeout: 20_000 });
  await chooseFromToolbar(page, 'load', 'create-topic');
  const form = page.getByTestId('action-form-create-topic');
  await form.locator('[data-field="name"]').fill('payments');
  await form.locator('[data-field="partitions"]').fill('3');
  await form.locator('[data-field="replicationFactor"]').fill('3');
  await expect(form.getByTestId('action-submit')).toBeEnabled();
  await form.getByTestId('action-submit').click();
  for (const partition of [0, 1, 2]) {
    await expect(page.getByTestId(`partition-payments-${partition}`)).toBeVisible({ timeout: 20_000 });
  }
  await expect(page.getByTestId('partition-payments-3')).toHaveCount(0);
  await expect(myMarker(page, /create topic payments: 3 partitions, replication factor 3/)).toHaveCount(1);
  await page.getByTestId('partition-payments-0').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'artifacts/screenshots/actions-topic-created.png' });
});

test("a bad value is explained as it is typed, with Kafka's error, and the submit stays disabled", async ({ page }) => {
  // Before the cluster runs there is no active controller to ask: the form says so.
  await chooseFromToolbar(page, 'load', 'create-topic');
  await expect(page.getByTestId('problem-general')).toContainText('no controller is active right now');
  await expect(page.getByTestId('action-submit')).toBeDisabled();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await play(page);
  await expect(page.getByTestId('partition-orders-0')).toBeVisible({ timeout: 20_000 });
  await chooseFromToolbar(page, 'load', 'create-topic');
  const form = page.getByTestId('action-form-create-topic');
  const submit = form.getByTestId('action-submit');
  await form.locator('[data-field="replicationFactor"]').fill('9');
  await expect(form.getByTestId('problem-replicationFactor')).toContainText('INVALID_REPLICATION_FACTOR: Unable to replicate the partition 9 time(s)');
  await expect(form.locator('[data-field="replicationFactor"]')).toHaveAttribute('aria-invalid', 'true');
  await expect(submit).toBeDisabled();
  await page.screenshot({ path: 'artifacts/screenshots/actions-bad-value.png' });

  await form.locator('[data-field="replicationFactor"]').fill('3');
  await form.locator('[data-field="name"]').fill('orders');
  await expect(form.getByTestId('problem-name')).toContainText("TOPIC_ALREADY_EXISTS: Topic 'orders' already exists.");
  await expect(submit).toBeDisabled();
  await form.locator('[data-field="name"]').fill('bad name');
  await expect(form.getByTestId('problem-name')).toContainText('INVALID_TOPIC_EXCEPTION');
  await form.locator('[data-field="partitions"]').fill('many');
  await expect(form.getByTestId('problem-partitions')).toContainText('"many" is not a number');
  await expect(submit).toBeDisabled();

  // Fixed, it is accepted; nothing was sent meanwhile.
  await form.locator('[data-field="name"]').fill('good-name');
  await form.locator('[data-field="partitions"]').fill('2');
  await expect(submit).toBeEnabled();
  await expect(form.locator('.field-problem')).toHaveCount(0);
  await expect(page.getByTestId('timeline').locator('[data-testid="timeline-marker"][data-kind="you"]')).toHaveCount(0);
});

test('a context menu crashes a broker: opened by right-click, and by keyboard', async ({ page }) => {
  await play(page);
  await expect(page.getByTestId('status-broker-2')).toHaveText('Up', { timeout: 20_000 });

  // Right-click the card.
  await page.getByTestId('process-broker-2').click({ button: 'right', position: { x: 60, y: 20 } });
  const menu2 = page.getByRole('menu', { name: 'Actions for broker-2' });
  await expect(menu2).toBeVisible();
  await expect(menu2.getByRole('menuitem', { name: /Restart/ })).toHaveAttribute('aria-disabled', 'true');
  const box = await page.getByTestId('action-menu').boundingBox();
  const viewport = page.viewportSize()!;
  expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
  expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
  await page.screenshot({ path: 'artifacts/screenshots/actions-context-menu.png' });
  await menu2.getByRole('menuitem', { name: /^⚡?\s*Crash/ }).first().click();
  await expect(page.getByTestId('status-broker-2')).toHaveText('Crashed');
  await expect(menu2).toBeHidden();

  // Keyboard: the ⋯ button, Enter, focus on the first item; arrows move; Escape closes and returns focus.
  const opener = page.getByTestId('actions-broker-3');
  await opener.focus();
  await page.keyboard.press('Enter');
  const menu3 = page.getByRole('menu', { name: 'Actions for broker-3' });
  await expect(menu3).toBeVisible();
  const crash = menu3.locator('[data-action="crash"]');
  await expect(crash).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(crash).not.toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu3).toBeHidden();
  await expect(opener).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(crash).toBeFocused();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowDown'); // wraps to the first
  await expect(crash).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('status-broker-3')).toHaveText('Crashed');
  await expect(menu3).toBeHidden();

  // A zone has its menu too: cut it off from the keyboard.
  await page.getByTestId('actions-zone-c').focus();
  await page.keyboard.press('Enter');
  const zoneMenu = page.getByRole('menu', { name: 'Actions for zone-c' });
  await expect(zoneMenu.locator('[data-action="isolate-zone"]')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('zone-zone-c')).toContainText('cut off from the rest of the network');

  await expect(myMarker(page, /crash broker-2/)).toHaveCount(1);
  await expect(myMarker(page, /cut zone-c off from the rest of the network/)).toHaveCount(1);
  await expect(myMarker(page, /crash broker-3/)).toHaveCount(1);
  await page.screenshot({ path: 'artifacts/screenshots/actions-brokers-crashed.png' });
});
