// Layouts (issue 7, item 8): no breakage from 1280x720 to 2560x1440. Goal: at 1280x720, 1440x900,
// 1920x1080 and 2560x1440, free play, the 30-broker lesson and compare mode keep everything
// inside the window's width, show every card header's text whole (no wrapped or cut names), keep
// every card's content inside its card, and never lay one panel over another.
// Method: measure the page's boxes in Chromium after each resize (the charts follow a resize on
// the next frame, so each check polls); a failure names the element and its numbers. A screenshot
// of each state at each size is kept under artifacts/screenshots/layout-*.png.
import { expect, test, type Page } from '@playwright/test';
import { clockMs } from './clock';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
] as const;

test.beforeEach(({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

/** Everything that breaks a layout, found on the page as it is now (empty: nothing). */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) problems.push(`the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
    const describe = (element: Element): string =>
      element.getAttribute('data-testid') ?? element.getAttribute('aria-label') ?? `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`;
    // Card headers: the name on one line, whole; the header's parts inside the header.
    for (const head of document.querySelectorAll('.card-head')) {
      const card = head.closest('[data-testid^="process-"]');
      const who = card === null ? describe(head) : describe(card);
      const name = head.querySelector('h3');
      if (name !== null) {
        const lineHeight = parseFloat(getComputedStyle(name).lineHeight) || parseFloat(getComputedStyle(name).fontSize) * 1.3;
        if (name.scrollWidth > name.clientWidth + 1) problems.push(`${who}: its name is cut (${name.scrollWidth} > ${name.clientWidth} px)`);
        if ((name as HTMLElement).offsetHeight > lineHeight * 1.5) problems.push(`${who}: its name wraps onto ${Math.round((name as HTMLElement).offsetHeight / lineHeight)} lines`);
      }
      const box = (head as HTMLElement).getBoundingClientRect();
      for (const child of head.children) {
        const inner = child.getBoundingClientRect();
        if (inner.right > box.right + 1 || inner.left < box.left - 1) problems.push(`${who}: ${describe(child)} sticks out of its header`);
      }
    }
    // Cards in the graph: their content inside the card (the card hides what overflows).
    for (const card of document.querySelectorAll('.topo-process > .card')) {
      const element = card as HTMLElement;
      if (element.scrollHeight > element.clientHeight + 1) problems.push(`${describe(card)}: ${element.scrollHeight - element.clientHeight} px of its content cut off at the bottom`);
    }
    // Panels: the page's regions, and the panels in the stage and the side bar, never overlap.
    const panels = [...document.querySelectorAll('.topbar, .subbar, .timeline-panel, .stage > *, .sidebar-box > *, .compare > *')].filter((element) => {
      const rect = element.getBoundingClientRect();
      return rect.width > 0 && rect.height > 0 && getComputedStyle(element).position !== 'absolute' && getComputedStyle(element).position !== 'fixed';
    });
    for (let i = 0; i < panels.length; i++) {
      for (let j = i + 1; j < panels.length; j++) {
        if (panels[i]!.contains(panels[j]!) || panels[j]!.contains(panels[i]!)) continue;
        const a = panels[i]!.getBoundingClientRect();
        const b = panels[j]!.getBoundingClientRect();
        const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (overlapX > 1 && overlapY > 1) problems.push(`${describe(panels[i]!)} and ${describe(panels[j]!)} overlap by ${Math.round(overlapX)}x${Math.round(overlapY)} px`);
      }
    }
    return problems;
  });
}

async function checkEverySize(page: Page, name: string): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await expect.poll(() => layoutProblems(page), { timeout: 10_000, message: `${name} at ${size.width}x${size.height}` }).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `artifacts/screenshots/layout-${name}-${size.width}x${size.height}.png` });
  }
}

async function playFor(page: Page, ms: number): Promise<void> {
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 60_000 }).toBeGreaterThan(ms);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
}

test('free play fits every window size from 1280x720 to 2560x1440', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
  await playFor(page, 5_000);
  // Crashed cards have the widest headers ("Crashed") and the longest bodies (the fencing hint).
  for (const id of ['controller-1', 'broker-1']) {
    await page.getByTestId(`process-${id}`).getByRole('button', { name: 'Crash' }).click();
    await expect(page.getByTestId(`status-${id}`)).not.toHaveText('Up');
  }
  await checkEverySize(page, 'free-play');
});

test('the 30-broker lesson fits every window size', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('./?scenario=large-cluster');
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
  await expect(page.locator('[data-testid^="process-broker-"]')).toHaveCount(30);
  // To the lesson's second step: broker-7 has just crashed and is not fenced yet (its longest card).
  for (const step of [1, 2]) {
    await page.getByRole('button', { name: 'Next step ›' }).click();
    await expect(page.getByTestId('lesson-step')).toHaveText(new RegExp(`^Step ${step} of`), { timeout: 30_000 });
  }
  await expect(page.getByTestId('status-broker-7')).not.toHaveText('Up');
  await checkEverySize(page, 'large-cluster');
});

test('compare mode fits every window size', async ({ page }) => {
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum');
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Next step ›' }).click();
  await expect(page.getByTestId('lesson-step')).toHaveText(/^Step 1 of/, { timeout: 20_000 });
  await checkEverySize(page, 'compare');
});
