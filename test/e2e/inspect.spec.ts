// The inspect panel: click a thing's name and its details open in the side panel, looked up in the
// current frame. Story one (the fan-out lesson: orders' 4 partitions on broker-1/2/3): a broker shows
// its lifecycle state and its replicas; a partition shows its ISR and each replica's log
// end and high watermark; a follower we crash drops out of the ISR in the panel; Escape closes the
// panel and gives focus back. Story two (the tiering lesson, run to its end): the controller, the
// producer, the consumer and the object store each show their section.
import { expect, test, type Page } from '@playwright/test';
import { clockMs } from './clock';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

async function pause(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
}

const numberIn = (text: string | null): number => Number((text ?? '').replace(/,/g, '').trim());
/** A count as the page formats it (src/ui/format.ts formatCount): "523", "18k", "1.2M". */
function countIn(text: string | null): number {
  const match = /^([\d.]+)([kM]?)$/.exec((text ?? '').trim());
  if (match === null) throw new Error(`"${text}" is not a count`);
  return Number(match[1]) * (match[2] === 'k' ? 1_000 : match[2] === 'M' ? 1_000_000 : 1);
}

test('a broker, then its partition: lifecycle, replicas, ISR and per-replica LEO/HW; a crashed follower leaves the ISR; Escape closes', async ({ page }) => {
  // orders has 4 partitions, each on all three brokers; nothing breaks unless we break it.
  // At 1×: on this shared machine a pause at 10× can land tens of seconds late, and the lesson ends at 60 s.
  await page.goto('./?scenario=consumer-fan-out');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 30_000, intervals: [50] }).toBeGreaterThan(6_000);
  await pause(page);

  // A broker: its lifecycle state, what the controller says of it, and the replicas it holds.
  await page.getByTestId('select-broker-2').click();
  const panel = page.getByRole('region', { name: /Inspect: Broker broker-2/ });
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('inspect-title')).toBeFocused();
  await expect(page.getByTestId('inspect-broker-state')).toHaveText('RUNNING');
  await expect(page.getByTestId('inspect-broker-registration')).toContainText('unfenced');
  for (const partition of [0, 1, 2, 3]) await expect(page.getByTestId(`inspect-broker-replica-orders-${partition}`)).toBeVisible();
  const leads = numberIn(await page.getByTestId('inspect-broker-leads').textContent());
  const follows = numberIn(await page.getByTestId('inspect-broker-follows').textContent());
  expect(leads + follows, 'broker-2 holds a replica of each of the 4 partitions of orders, and some of __consumer_offsets').toBeGreaterThan(4);
  await expect(page.getByTestId('inspect-broker-local-bytes')).toContainText(/\d/);
  await page.screenshot({ path: 'artifacts/screenshots/inspect-broker.png' });

  // The partition, from the broker's replica list: leader, ISR, and each replica's LEO and HW.
  await page.getByTestId('inspect-broker-replica-orders-0').getByRole('button', { name: 'orders-0' }).click();
  await expect(page.getByTestId('inspect-title')).toContainText('Partition orders-0');
  const leader = ((await page.getByTestId('inspect-partition-leader').textContent()) ?? '').trim();
  expect(leader).toMatch(/^broker-[123]$/);
  await expect(page.getByTestId('inspect-partition-isr')).toContainText('(3/3)');
  await expect(page.getByTestId('inspect-partition-remote')).toHaveText('false');
  for (const broker of ['broker-1', 'broker-2', 'broker-3']) {
    // Every replica has a log and knows a high watermark; a replica's HW never passes its own LEO.
    await expect(page.getByTestId(`inspect-replica-leo-${broker}`)).toHaveText(/^[1-9][\d,]*$/);
    await expect(page.getByTestId(`inspect-replica-hw-${broker}`)).toHaveText(/^[\d,]+$/);
    const leo = numberIn(await page.getByTestId(`inspect-replica-leo-${broker}`).textContent());
    const hw = numberIn(await page.getByTestId(`inspect-replica-hw-${broker}`).textContent());
    expect(hw, `${broker}'s HW is within its log`).toBeLessThanOrEqual(leo);
    await expect(page.getByTestId(`inspect-replica-state-${broker}`)).toHaveText(broker === leader ? 'leader' : 'ISR');
  }
  await page.screenshot({ path: 'artifacts/screenshots/inspect-partition.png' });

  // Crash a follower: once the controller fences it (broker.session.timeout.ms), it leaves the ISR.
  const follower = ['broker-1', 'broker-2', 'broker-3'].find((broker) => broker !== leader)!;
  await page.getByTestId(`process-${follower}`).getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId(`inspect-replica-state-${follower}`)).toHaveText('down');
  await expect(page.getByTestId('inspect-partition-isr')).toContainText(follower);
  const crashedAtMs = await clockMs(page);
  expect(crashedAtMs, 'crashed with time to spare before the lesson ends').toBeLessThan(45_000);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('inspect-partition-isr')).not.toContainText(follower, { timeout: 30_000 });
  await pause(page);
  // The controller fences a broker silent for broker.session.timeout.ms (9 s), and takes it out of every ISR.
  const shrunkAfterMs = (await clockMs(page)) - crashedAtMs;
  expect(shrunkAfterMs).toBeGreaterThan(5_000);
  expect(shrunkAfterMs).toBeLessThan(15_000);
  await expect(page.getByTestId('inspect-partition-isr')).toContainText('(2/3)');
  await expect(page.getByTestId('inspect-partition-leader')).toHaveText(leader);
  await page.screenshot({ path: 'artifacts/screenshots/inspect-isr-shrink.png' });

  // Escape closes the panel; focus goes back to the name that opened it.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('inspect-panel')).toHaveCount(0);
  await expect(page.getByTestId('select-broker-2')).toBeFocused();

  // A partition from the partitions panel opens it again; the close button closes it.
  await page.getByTestId('select-partition-orders-1').click();
  await expect(page.getByTestId('inspect-title')).toContainText('Partition orders-1');
  await page.getByRole('button', { name: 'Close the details of orders-1' }).click();
  await expect(page.getByTestId('inspect-panel')).toHaveCount(0);
  await expect(page.getByTestId('select-partition-orders-1')).toBeFocused();
});

test('the tiering lesson: the controller, the producer, the consumer and the object store in detail', async ({ page }) => {
  await page.goto('./?scenario=tiering-steady-state');
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('lesson-done')).toContainText('Finished', { timeout: 120_000 });

  // The active controller: its role, epoch and log, and every voter.
  const active = (await page.locator('[data-testid^="role-controller-"]', { hasText: 'active controller' }).first().getAttribute('data-testid'))!.replace('role-', '');
  await page.getByTestId(`select-${active}`).click();
  await expect(page.getByTestId('inspect-title')).toContainText(`Controller ${active}`);
  await expect(page.getByTestId('inspect-controller-raft-role')).toContainText('active controller');
  await expect(page.getByTestId('inspect-controller-epoch')).toHaveText(/^[1-9]\d*$/);
  await expect(page.getByTestId('inspect-controller-committed')).toHaveText(/^[1-9][\d,]*$/);
  await expect(page.getByTestId('inspect-controller-voters').locator('tbody tr')).toHaveCount(3);
  await page.screenshot({ path: 'artifacts/screenshots/inspect-controller.png' });

  // The producer: acks, what it sent and had acknowledged, latency percentiles.
  await page.getByTestId('select-producer-1').click();
  await expect(page.getByTestId('inspect-title')).toContainText('producer-1');
  await expect(page.getByTestId('inspect-producer-acks')).toHaveText('all (-1)');
  await expect(page.getByTestId('inspect-producer-rate')).toContainText('3.0k records/s');
  expect(countIn(await page.getByTestId('inspect-producer-acked').textContent())).toBeGreaterThan(100_000);
  await expect(page.getByTestId('inspect-producer-p50')).toHaveText(/\d/);
  await expect(page.getByTestId('inspect-producer-p99')).toHaveText(/\d/);
  await page.screenshot({ path: 'artifacts/screenshots/inspect-producer.png' });

  // The consumer: its group, state, assignment with positions, and lag.
  const consumerId = (await page.locator('[data-testid^="consumer-group-"]').first().getAttribute('data-testid'))!.replace('consumer-group-', '');
  await page.getByTestId(`select-${consumerId}`).click();
  await expect(page.getByTestId('inspect-consumer-group')).toHaveText('audit');
  await expect(page.getByTestId('inspect-consumer-state')).toContainText('stable');
  await expect(page.getByTestId('inspect-consumer-assignment').locator('tbody tr').first()).toBeVisible();
  await expect(page.getByTestId('inspect-consumer-e2e')).toContainText('p99');
  await page.screenshot({ path: 'artifacts/screenshots/inspect-consumer.png' });

  // The object store: objects, bytes, and its cost at the named prices.
  await page.getByTestId('select-object-store').click();
  await expect(page.getByTestId('inspect-title')).toContainText('Object store object-store');
  await expect(page.getByTestId('inspect-object-store-state')).toHaveText('healthy');
  expect(countIn(await page.getByTestId('inspect-object-store-objects').textContent())).toBeGreaterThan(5);
  await expect(page.getByTestId('inspect-object-store-monthly')).toContainText('$');
  await expect(page.getByTestId('inspect-object-store-cost')).toContainText('AWS S3 Standard');
  await page.screenshot({ path: 'artifacts/screenshots/inspect-object-store.png' });

  // A tiered partition: its local log start is above its log start on every replica.
  await page.getByTestId('select-partition-orders-0').click();
  await expect(page.getByTestId('inspect-partition-remote')).toHaveText('true');
  const leader = ((await page.getByTestId('inspect-partition-leader').textContent()) ?? '').trim();
  await expect(page.getByTestId(`inspect-replica-local-start-${leader}`)).toHaveText(/^[1-9][\d,]*$/);
  await page.screenshot({ path: 'artifacts/screenshots/inspect-tiered-partition.png' });

  // The leader broker: its load over the last simulated second before the lesson ended.
  await page.getByTestId(`select-${leader}`).click();
  await expect(page.getByTestId('inspect-broker-bytes-in')).toHaveText(/^[\d.]+ (B|KB|MB)\/s \(/);
  await expect(page.getByTestId('inspect-broker-remote-bytes')).toHaveText(/MB|KB/);

  // The page at the smallest and the largest size it must fit.
  for (const viewport of [
    { width: 1280, height: 720 },
    { width: 2560, height: 1440 },
  ]) {
    await page.setViewportSize(viewport);
    await expect(page.getByTestId('inspect-panel')).toBeVisible();
    const box = (await page.getByTestId('inspect-panel').boundingBox())!;
    expect(box.x + box.width, 'the panel fits the width').toBeLessThanOrEqual(viewport.width);
    expect(box.height, 'the panel keeps room to read').toBeGreaterThan(200);
    await page.screenshot({ path: `artifacts/screenshots/inspect-broker-${viewport.width}x${viewport.height}.png` });
  }
});

test('what is selected and then goes away says so', async ({ page }) => {
  // The tiering lesson has six brokers; the fan-out lesson has three.
  await page.goto('./?scenario=tiering-steady-state');
  await page.getByTestId('select-broker-6').click();
  await expect(page.getByTestId('inspect-title')).toContainText('Broker broker-6');
  await page.getByLabel('Open a lesson').selectOption('consumer-fan-out');
  await expect(page.getByTestId('inspect-gone')).toContainText('broker-6 is not part of this cluster', { timeout: 20_000 });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('inspect-panel')).toHaveCount(0);
});
