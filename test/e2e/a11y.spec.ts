// Accessibility in real Chromium (issue 7, item 8). Goal: the page's main states pass axe's WCAG
// 2.1 A/AA rules (labels, roles, names, contrast, landmarks), and a person without a mouse can
// reach the tool bar, open a menu, inject a fault, open inspect and move the timeline.
// Method: @axe-core/playwright over free play, a lesson with its steps, inspect open, a context
// menu open, compare mode and the scenario editor; a violation is printed with its nodes, so a
// failure says what to fix. The keyboard walk uses only Tab, arrows, Enter and Escape.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { clockMs } from './clock';

test.beforeEach(({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
});

/**
 * axe with the WCAG 2.0/2.1 A and AA rules, over the whole page or, for what opens on a page
 * already audited (a panel, a menu, a form), over that part only (a whole-page run costs ~6 s).
 * Returns the violations, readable.
 */
async function audit(page: Page, only?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (only === undefined ? builder : builder.include(only)).analyze();
  return results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help}\n` +
      violation.nodes
        .slice(0, 6)
        .map((node) => `    ${node.target.join(' ')}: ${node.failureSummary?.replace(/\n/g, ' ')}`)
        .join('\n'),
  );
}

async function readyFreePlay(page: Page, url = './'): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('toolbar-break')).toBeEnabled({ timeout: 30_000 });
}

test('free play, a lesson with its steps, inspect and a context menu pass axe', async ({ page }) => {
  test.setTimeout(120_000);
  await readyFreePlay(page);
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 30_000 }).toBeGreaterThan(3_000);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  expect(await audit(page), 'free play').toEqual([]);

  await page.getByTestId('select-broker-2').click();
  await expect(page.getByTestId('inspect-title')).toBeFocused();
  expect(await audit(page, '.sidebar'), 'inspect open').toEqual([]);
  await page.keyboard.press('Escape');

  await page.getByTestId('actions-broker-1').click();
  await expect(page.getByRole('menu', { name: 'Actions for broker-1' })).toBeVisible();
  expect(await audit(page, '[role="menu"]'), 'a context menu open').toEqual([]);
  await page.keyboard.press('Escape');

  await page.getByTestId('toolbar-break').click();
  await page.getByRole('menu', { name: 'Break actions' }).locator('[data-action="slow-link"]').click();
  await expect(page.getByTestId('action-form-slow-link')).toBeVisible();
  expect(await audit(page, '.toolbar'), 'a tool bar form open').toEqual([]);

  await readyFreePlay(page, './?scenario=broker-crash');
  await page.getByRole('button', { name: 'Next step ›' }).click();
  await expect(page.getByTestId('lesson-step')).toHaveText(/^Step 1 of/, { timeout: 20_000 });
  expect(await audit(page), 'a lesson with steps').toEqual([]);

  await page.getByRole('button', { name: 'Edit scenario' }).click();
  await expect(page.getByRole('button', { name: 'Run this scenario' })).toBeVisible();
  expect(await audit(page, '.editor-wrap'), 'the scenario editor').toEqual([]);
});

test('compare mode passes axe', async ({ page }) => {
  await page.goto('./?scenario=isr-vs-quorum-straggler&compare=dataReplication:isr,quorum');
  await expect(page.getByTestId('compare-figures')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Next step ›' }).click();
  await expect(page.getByTestId('lesson-step')).toHaveText(/^Step 1 of/, { timeout: 20_000 });
  expect(await audit(page), 'compare mode').toEqual([]);
});

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; fails after `pressesMax`. */
async function tabTo(page: Page, selector: string, { back = false, pressesMax = 200 } = {}): Promise<void> {
  for (let i = 0; i < pressesMax; i++) {
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector} in ${pressesMax} presses`);
}

const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');

test('keyboard only: reach the tool bar, open a menu, crash a broker, inspect it, move the timeline back', async ({ page }) => {
  test.setTimeout(90_000);
  await readyFreePlay(page);
  // Play at Max for a few seconds, from the keyboard: the speed radios and Play are in the top bar.
  await tabTo(page, '[role="radiogroup"][aria-label="Speed"] [role="radio"]:last-child');
  await expect(page.getByRole('radio', { name: 'Max' })).toBeFocused();
  await page.keyboard.press('Space');
  await tabTo(page, 'button[aria-label="Play"]', { back: true });
  await page.keyboard.press('Enter');
  await expect.poll(() => clockMs(page), { timeout: 30_000 }).toBeGreaterThan(4_000);
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();

  // The tool bar's Break menu: ArrowDown opens it with focus on the first item; arrows walk it.
  await tabTo(page, '[data-testid="toolbar-break"]');
  await page.keyboard.press('ArrowDown');
  const menu = page.getByRole('menu', { name: 'Break actions' });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement?.getAttribute('data-action'))) !== 'crash'; i++) await page.keyboard.press('ArrowDown');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-action'))).toBe('crash');
  await page.keyboard.press('Enter');
  const form = page.getByTestId('action-form-crash');
  await expect(form).toBeVisible();
  // The target picker takes typed letters, as any select does.
  await tabTo(page, '[data-testid="action-form-crash"] select');
  await page.keyboard.type('broker-2');
  await expect(form.getByLabel('Target')).toHaveValue('broker-2');
  await expect(form.getByTestId('action-submit')).toBeEnabled();
  await tabTo(page, '[data-testid="action-form-crash"] [data-testid="action-submit"]');
  await page.keyboard.press('Enter');
  await expect(form).toBeHidden();
  await expect(page.getByTestId('status-broker-2')).not.toHaveText('Up', { timeout: 10_000 });

  // Inspect it: Tab to its name on the card, Enter; focus lands on the panel's heading; Escape returns.
  await tabTo(page, '[data-testid="select-broker-2"]');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspect-title')).toBeFocused();
  await expect(page.getByRole('region', { name: /Inspect: Broker broker-2/ })).toContainText(/crashed|down|offline/i);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('select-broker-2')).toBeFocused();

  // The timeline: Shift+Tab back to its slider, Home, Enter: the start of the run is shown, rewound.
  await tabTo(page, '[role="slider"]', { back: true });
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBe(0);
  await expect(page.getByTestId('rewound')).toContainText('Rewound to 0:00.000');
  await expect(page.getByTestId('status-broker-2')).toHaveText('Up');
  await page.screenshot({ path: 'artifacts/screenshots/keyboard-walk-rewound.png' });
  expect(await focused(page)).toMatch(/timeline|Moment shown/i);
});
