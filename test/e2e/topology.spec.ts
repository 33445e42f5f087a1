// The topology graph in real Chromium: it draws the zones, the control plane and every process as
// a node; the controls, the wheel and a drag pan and zoom it; a click (or Enter on a focused node)
// selects a broker or a zone and a right-click (or Shift+F10) asks for its menu; flows run from the
// producer to the leaders; and a 30-broker cluster (?brokers=30) lays out without a card over
// another, at the three screen sizes the page must serve. Screenshots go to artifacts/screenshots/.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { clockMs } from './clock';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** React Flow's viewport: translate and scale, read from the transform it sets. */
async function viewportOf(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  const transform = (await page.locator('.react-flow__viewport').getAttribute('style')) ?? '';
  const match = /translate\(([-\d.]+)px, ?([-\d.]+)px\) scale\(([\d.]+)\)/.exec(transform);
  if (match === null) throw new Error(`no viewport transform in "${transform}"`);
  return { x: Number(match[1]), y: Number(match[2]), zoom: Number(match[3]) };
}

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (box === null) throw new Error('the element is not drawn');
  return box;
}

const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
// Within a pixel: the boxes come from a scaled canvas.
const inside = (a: Box, b: Box) => a.x >= b.x - 1 && a.y >= b.y - 1 && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1;

test('the graph shows the control plane, the zones and every process as a node', async ({ page }) => {
  await page.goto('./');
  const topology = page.getByTestId('topology');
  await expect(topology).toBeVisible();
  for (const zone of ['zone-a', 'zone-b', 'zone-c']) await expect(page.getByTestId(`zone-${zone}`)).toBeVisible();
  // 3 controllers and 6 brokers, each a React Flow node holding its card.
  for (const id of ['controller-1', 'controller-2', 'controller-3', 'broker-1', 'broker-2', 'broker-3', 'broker-4', 'broker-5', 'broker-6']) {
    await expect(page.locator(`.react-flow__node[data-id="${id}"]`).getByTestId(`process-${id}`)).toBeVisible();
  }
  // Controllers in the control-plane strip, above the brokers of their zone.
  const controller = await boxOf(page.getByTestId('process-controller-1'));
  const broker = await boxOf(page.getByTestId('process-broker-1'));
  expect(controller.y + controller.height).toBeLessThan(broker.y);
  expect(inside(controller, await boxOf(page.getByTestId('zone-zone-a')))).toBe(true);

  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  // The quorum's leader is named on the control-plane label and marked on its card.
  await expect(page.getByTestId('control-plane-leader')).toContainText(/leader controller-\d, epoch \d+ · 3 voters/, { timeout: 20_000 });
  const leader = /leader (controller-\d)/.exec((await page.getByTestId('control-plane-leader').textContent()) ?? '')![1]!;
  await expect(page.locator(`.react-flow__node[data-id="${leader}"] .topo-badge`)).toHaveText('★ active controller');
  await expect(page.locator('.topo-badge')).toHaveCount(1);
  await page.getByRole('button', { name: 'Pause' }).click();
  await topology.screenshot({ path: 'artifacts/screenshots/topology-default.png' });
});

test('the controls, the wheel and a drag pan and zoom the graph', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('process-broker-1')).toBeVisible();
  const fitted = await viewportOf(page);
  await page.getByRole('button', { name: 'Zoom In' }).click();
  await expect.poll(async () => (await viewportOf(page)).zoom).toBeGreaterThan(fitted.zoom * 1.1);
  await page.getByRole('button', { name: 'Zoom Out' }).click();
  await page.getByRole('button', { name: 'Zoom Out' }).click();
  await expect.poll(async () => (await viewportOf(page)).zoom).toBeLessThan(fitted.zoom * 0.95);
  await page.getByRole('button', { name: 'Fit View' }).click();
  await expect.poll(async () => Math.abs((await viewportOf(page)).zoom - fitted.zoom)).toBeLessThan(0.01);

  // The wheel zooms about the pointer; dragging the empty canvas pans.
  // (Clicking the controls scrolled the page down to them, under the sticky top bar: back up.)
  await page.evaluate(() => window.scrollTo(0, 0));
  const canvas = await boxOf(page.getByTestId('topology'));
  await page.mouse.move(canvas.x + canvas.width / 2, canvas.y + 40);
  // (A wheel turned while the Fit View animation still runs is overridden by it: turn it again.)
  await expect(async () => {
    await page.mouse.wheel(0, -300);
    expect((await viewportOf(page)).zoom).toBeGreaterThan(fitted.zoom * 1.05);
  }).toPass({ timeout: 5_000 });
  const before = await viewportOf(page);
  const bottom = Math.min(canvas.y + canvas.height, page.viewportSize()!.height);
  await page.mouse.move(canvas.x + 20, bottom - 60);
  await page.mouse.down();
  await page.mouse.move(canvas.x + 220, bottom - 160, { steps: 8 });
  await page.mouse.up();
  const after = await viewportOf(page);
  expect(after.x - before.x).toBeGreaterThan(150);
  expect(before.y - after.y).toBeGreaterThan(70);
  // The cards stay usable at any zoom: a button on a card still acts.
  await page.getByRole('button', { name: 'Fit View' }).click();
  await page.getByTestId('process-broker-3').getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId('status-broker-3')).toHaveText('Crashed');
});

test('a click or Enter selects a broker or a zone; a right-click or Shift+F10 asks for its menu', async ({ page }) => {
  await page.goto('./');
  const topology = page.getByTestId('topology');
  await page.getByTestId('process-broker-2').locator('h3').click();
  await expect(topology).toHaveAttribute('data-selected', 'broker-2');
  await expect(page.locator('.react-flow__node[data-id="broker-2"] .topo-process')).toHaveClass(/topo-selected/);
  // A button on another card acts; it does not move the selection.
  await page.getByTestId('process-broker-5').getByRole('button', { name: 'Isolate' }).click();
  await expect(page.getByTestId('status-broker-5')).toHaveText('Isolated');
  await expect(topology).toHaveAttribute('data-selected', 'broker-2');
  await page.locator('.react-flow__node[data-id="broker-2"]').screenshot({ path: 'artifacts/screenshots/topology-selected-broker.png' });

  // A zone is selected by its column.
  const zone = page.getByTestId('zone-zone-c');
  await zone.click({ position: { x: 30, y: 40 } });
  await expect(topology).toHaveAttribute('data-selected', 'zone:zone-c');
  await expect(zone).toHaveClass(/topo-selected/);

  // Right-click opens the actions menu of what is under the pointer; Escape closes it.
  const menu = page.getByRole('menu');
  await page.getByTestId('process-controller-2').locator('h3').click({ button: 'right' });
  await expect(topology).toHaveAttribute('data-menu-request', 'process:controller-2');
  await expect(page.getByRole('menu', { name: 'Actions for controller-2' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);

  // The keyboard: a focused node takes Enter, Shift+F10, and Escape.
  const node = page.locator('.react-flow__node[data-id="broker-4"]');
  await node.focus();
  await page.keyboard.press('Enter');
  await expect(topology).toHaveAttribute('data-selected', 'broker-4');
  // Selecting opens the inspect panel, which takes focus (Escape brings it back); return to the node.
  await node.focus();
  await page.keyboard.press('Shift+F10');
  await expect(topology).toHaveAttribute('data-menu-request', 'process:broker-4');
  await expect(page.getByRole('menu', { name: 'Actions for broker-4' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await page.locator('.react-flow__node[data-id="zone:zone-a"]').focus();
  await page.keyboard.press('ContextMenu');
  await expect(topology).toHaveAttribute('data-menu-request', 'zone:zone-a');
  await expect(page.getByRole('menu', { name: 'Actions for zone-a' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  // With the menu closed, Escape on the node clears the selection.
  await page.locator('.react-flow__node[data-id="zone:zone-a"]').focus();
  await page.keyboard.press('Escape');
  await expect(topology).toHaveAttribute('data-selected', '');
  // Closing the inspect panel gives focus back to what opened it, on the next animation frame: let
  // that happen before focusing the node, or it takes the focus from under the Tab below.
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
  // Tab walks into a node's buttons, then on to the next node.
  await node.focus();
  await page.keyboard.press('Tab');
  await expect(node.locator('button:focus')).toHaveCount(1);
  let next: string | null = null;
  for (let presses = 0; presses < 25 && next === null; presses++) {
    await page.keyboard.press('Tab');
    next = await page.evaluate(() => (document.activeElement?.classList.contains('react-flow__node') ? document.activeElement.getAttribute('data-id') : null));
  }
  expect(next).not.toBeNull();
  expect(next).not.toBe('broker-4');
});

test('flows run from the producer to the leaders, from the leaders to the consumer, and up to the object store', async ({ page }) => {
  await page.goto('./?scenario=tiering-steady-state');
  await expect(page.getByTestId('process-producer-1')).toBeVisible({ timeout: 20_000 });
  // Producers on the left of the zones, consumers on the right, the object store below.
  const producer = await boxOf(page.getByTestId('process-producer-1'));
  const consumer = await boxOf(page.getByTestId('process-consumer-1'));
  const store = await boxOf(page.getByTestId('process-object-store'));
  const zoneA = await boxOf(page.getByTestId('zone-zone-a'));
  const zoneC = await boxOf(page.getByTestId('zone-zone-c'));
  expect(producer.x + producer.width).toBeLessThan(zoneA.x);
  expect(consumer.x).toBeGreaterThan(zoneC.x + zoneC.width);
  expect(store.y).toBeGreaterThan(zoneA.y + zoneA.height);

  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  // The producer starts at 6 s at 3,000 records/s; 3 partitions, so one to three leaders.
  const produce = page.locator('.react-flow__edge.topo-flow-produce');
  await expect(produce.first()).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.react-flow__edge.topo-flow-produce.topo-flow-active').first()).toBeVisible({ timeout: 30_000 });
  const label = (await produce.first().getAttribute('aria-label')) ?? '';
  expect(label).toMatch(/^producer-1 produces to broker-\d \(\d partitions?, about [\d.,]+k? records\/s\)$/);
  // The rate is the width: 1,000 records/s a partition draws wider than an idle flow.
  const width = Number(await produce.first().locator('path.react-flow__edge-path').evaluate((path) => getComputedStyle(path).strokeWidth.replace('px', '')));
  expect(width).toBeGreaterThan(3.5);
  // Uploads: segments close every 5 s and the remote log manager runs every 5 s.
  await expect(page.locator('.react-flow__edge.topo-flow-tier').first()).toBeAttached({ timeout: 40_000 });
  await expect.poll(() => clockMs(page), { timeout: 60_000 }).toBeGreaterThan(82_000);
  // The consumer starts at 80 s and fetches from the leaders of its partitions.
  await expect(page.locator('.react-flow__edge.topo-flow-consume').first()).toBeAttached({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByTestId('topology').screenshot({ path: 'artifacts/screenshots/topology-flows.png' });
});

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
  { width: 2560, height: 1440 },
];

for (const size of SIZES) {
  test(`a 30-broker cluster lays out without overlaps at ${size.width}x${size.height}`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto('./?brokers=30');
    const topology = page.getByTestId('topology');
    await expect(topology).toHaveAttribute('data-compact', 'true');
    await expect(page.locator('.react-flow__node-process')).toHaveCount(33);
    await expect(page.getByRole('img', { name: 'Minimap of the cluster' })).toBeVisible();
    await expect(page).toHaveURL(/brokers=30/);

    // No card over another, each card inside its zone (brokers and controllers go round-robin over the zones).
    const zones = ['zone-a', 'zone-b', 'zone-c'];
    const zoneBoxes = await Promise.all(zones.map((zone) => boxOf(page.getByTestId(`zone-${zone}`))));
    const cards: { id: string; box: Box }[] = [];
    for (const [role, count] of [['controller', 3], ['broker', 30]] as const) {
      for (let index = 1; index <= count; index++) {
        const id = `${role}-${index}`;
        const box = await boxOf(page.getByTestId(`process-${id}`));
        expect(inside(box, zoneBoxes[(index - 1) % 3]!), `${id} inside ${zones[(index - 1) % 3]}`).toBe(true);
        cards.push({ id, box });
      }
    }
    const overlaps: string[] = [];
    for (let i = 0; i < cards.length; i++) {
      for (let j = i + 1; j < cards.length; j++) if (overlap(cards[i]!.box, cards[j]!.box)) overlaps.push(`${cards[i]!.id} × ${cards[j]!.id}`);
    }
    expect(overlaps).toEqual([]);
    // Zones side by side in order, and the whole cluster fits the canvas on load.
    expect(zoneBoxes[0]!.x + zoneBoxes[0]!.width).toBeLessThan(zoneBoxes[1]!.x);
    expect(zoneBoxes[1]!.x + zoneBoxes[1]!.width).toBeLessThan(zoneBoxes[2]!.x);
    const canvas = await boxOf(topology);
    for (const box of zoneBoxes) expect(inside(box, canvas)).toBe(true);

    // Cards keep their place while the cluster runs (the layout changes only with the structure).
    const before = await boxOf(page.getByTestId('process-broker-17'));
    await page.getByRole('radio', { name: '10×' }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(6_000);
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await boxOf(page.getByTestId('process-broker-17'))).toEqual(before);
    await page.screenshot({ path: `artifacts/screenshots/topology-30-brokers-${size.width}x${size.height}.png` });
  });
}

test("zoomed out at 30 brokers, cards leave out their unreadable buttons; the card's menu still acts, and zooming in brings them back", async ({ page }) => {
  // 1440x900: the 30-broker cluster is fitted at a zoom of ~0.43, where a button's text is ~5 px high.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('./?brokers=30');
  const topology = page.getByTestId('topology');
  const card = page.getByTestId('process-broker-7');
  await expect(topology).toHaveAttribute('data-detail', 'far');
  expect((await viewportOf(page)).zoom).toBeLessThan(0.55);
  await expect(card).toBeVisible();
  await expect(card.getByRole('button', { name: 'Crash', exact: true })).toBeHidden();
  await expect(page.getByTestId('status-broker-7')).toHaveText('Up', { timeout: 20_000 });

  // The card's "··· Actions" button is still drawn and its menu crashes the broker.
  await page.getByTestId('actions-broker-7').click();
  const menu = page.getByRole('menu', { name: 'Actions for broker-7' });
  await menu.getByRole('menuitem', { name: /^⚡?\s*Crash/ }).first().click();
  await expect(page.getByTestId('status-broker-7')).toHaveText('Crashed');

  // Zooming in with the wheel, a small step at a time, brings the buttons back only past 0.65: the
  // crashed broker's Restart. Zooming out again, they stay between 0.65 and 0.55 (no flicker near
  // one zoom) and go below 0.55.
  const canvas = await boxOf(page.locator('.topology .react-flow'));
  await page.mouse.move(canvas.x + 30, canvas.y + 30);
  const wheelUntil = async (deltaY: number, done: (zoom: number) => boolean, onStep: (zoom: number) => Promise<void>) => {
    for (let step = 0; step < 60; step++) {
      const before = (await viewportOf(page)).zoom;
      if (done(before)) return;
      await page.mouse.wheel(0, deltaY);
      await expect.poll(async () => (await viewportOf(page)).zoom).not.toBe(before);
      await onStep((await viewportOf(page)).zoom);
    }
    throw new Error('the wheel did not reach the zoom');
  };
  const detailAt = async (zoom: number, expected: 'far' | 'near') => {
    await expect(topology, `at zoom ${zoom.toFixed(3)}`).toHaveAttribute('data-detail', expected);
  };
  await wheelUntil(-40, (zoom) => zoom >= 0.65, (zoom) => detailAt(zoom, zoom < 0.65 ? 'far' : 'near'));
  await expect(card.getByRole('button', { name: 'Restart', exact: true })).toBeVisible();
  let between = 0;
  await wheelUntil(40, (zoom) => zoom < 0.55, async (zoom) => {
    if (zoom >= 0.55) between++;
    await detailAt(zoom, zoom >= 0.55 ? 'near' : 'far');
  });
  expect(between, 'wheel steps that landed between the two thresholds').toBeGreaterThan(0);
  await expect(card.getByRole('button', { name: 'Restart', exact: true })).toBeHidden();
  await page.getByRole('button', { name: 'Zoom In' }).click();
  await page.getByRole('button', { name: 'Zoom In' }).click();
  await page.getByRole('button', { name: 'Zoom In' }).click();
  await expect(topology).toHaveAttribute('data-detail', 'near');
  // Fitted again, they go.
  await page.getByRole('button', { name: 'Fit View' }).click();
  await expect(topology).toHaveAttribute('data-detail', 'far');
  await expect(card.getByRole('button', { name: 'Restart', exact: true })).toBeHidden();
});

test('the default cluster looks right at 1280x720 and 2560x1440', async ({ page }) => {
  for (const size of [SIZES[0]!, SIZES[2]!]) {
    await page.setViewportSize(size);
    await page.goto('./?scenario=consumer-group-rebalance');
    await expect(page.getByTestId('process-consumer-3')).toBeVisible({ timeout: 20_000 });
    const canvas = await boxOf(page.getByTestId('topology'));
    // The canvas takes most of the viewport's height, and the panel below it is still reachable.
    expect(canvas.height).toBeGreaterThan(size.height * 0.6);
    await expect(page.getByTestId('quorum-panel')).toBeAttached();
    await page.screenshot({ path: `artifacts/screenshots/topology-lesson-${size.width}x${size.height}.png` });
  }
});
