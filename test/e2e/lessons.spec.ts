// Guided lessons, the scenario editor and shared moments in real Chromium. Goal: a learner follows a
// lesson step by step (buttons and keys, forward and back), edits a scenario (an error is named with
// its line, the fix runs), shares a moment and sees the link reopen the same clock and trace hash,
// and a broken link says what is wrong and opens the default cluster; scenario text shows as text,
// never as HTML. Method: the page as a person uses it; screenshots in artifacts/screenshots/.
import { expect, test, type Page } from '@playwright/test';

function failOnPageErrors(page: Page): void {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
}

const step = (page: Page) => page.getByTestId('lesson-step');
const clock = (page: Page) => page.getByTestId('sim-clock');

test('follow a lesson with Next and Previous steps, by button and by key', async ({ page }) => {
  failOnPageErrors(page);
  await page.goto('./?scenario=broker-crash');
  await expect(step(page)).toHaveText('Not started: 4 steps ahead');
  await expect(step(page)).toHaveAttribute('aria-live', 'polite');
  await expect(page.getByRole('button', { name: '‹ Previous step' })).toBeDisabled();

  await page.getByRole('button', { name: 'Next step ›' }).click();
  await expect(step(page)).toHaveText('Step 1 of 4');
  await expect(clock(page)).toHaveText('0:02.000');
  await expect(page.getByTestId('caption')).toContainText('pings its eight peers');

  // The key N does the same when focus is not in a field.
  await page.locator('body').press('n');
  await expect(step(page)).toHaveText('Step 2 of 4');
  await expect(clock(page)).toHaveText('0:10.000');
  await expect(page.getByTestId('caption')).toContainText('broker-3 crashed');
  await expect(page.getByTestId('status-broker-3')).toHaveText('Crashed');

  // The third step waits for a condition: Next stops the moment it holds.
  await page.getByRole('button', { name: 'Next step ›' }).click();
  await expect(step(page)).toHaveText('Step 3 of 4');
  await expect(page.getByTestId('caption')).toContainText('All eight peers');
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible(); // paused there
  await page.screenshot({ path: 'artifacts/screenshots/lessons-steps.png' });

  // Previous rewinds to the step before, and P again to the first.
  await page.getByRole('button', { name: '‹ Previous step' }).click();
  await expect(step(page)).toHaveText('Step 2 of 4', { timeout: 20_000 });
  await expect(clock(page)).toHaveText('0:10.000');
  await expect(page.getByTestId('caption')).toContainText('broker-3 crashed');
  await page.locator('body').press('p');
  await expect(step(page)).toHaveText('Step 1 of 4', { timeout: 20_000 });
  await expect(clock(page)).toHaveText('0:02.000');
  await expect(page.getByTestId('status-broker-3')).toHaveText('Up');

  // A key typed in a field is the field's: N in the seed-less lesson picker does not step.
  await page.getByRole('button', { name: 'Edit scenario' }).click();
  await page.getByTestId('scenario-text').press('End');
  await page.getByTestId('scenario-text').press('n');
  await expect(step(page)).toHaveText('Step 1 of 4');
});

test('edit a scenario: an error is named with its line, the fix runs, its caption shows as text, and it has its own link', async ({ page, context }) => {
  failOnPageErrors(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('./?scenario=broker-crash');
  await expect(page.getByTestId('scenario-panel')).toBeVisible();
  await page.getByRole('button', { name: 'Edit scenario' }).click();
  const editor = page.getByTestId('scenario-editor');
  const area = page.getByTestId('scenario-text');
  const original = await area.inputValue();
  expect(original).toContain('"A broker crashes and comes back"');
  await expect(page.getByTestId('editor-status')).toHaveText('Valid: ready to run.');

  // Break it: crash a broker that does not exist.
  const broken = original
    .replace('"A broker crashes and comes back"', '"My broker crash"')
    .replace('Every process pings its eight peers', "<img src=x onerror='window.__pwned=1'>Every process pings its eight peers")
    .replace('"kind": "crash", "process": "broker-3"', '"kind": "crash", "process": "broker-33"');
  const badLine = broken.split('\n').findIndex((line) => line.includes('broker-33')) + 1;
  await area.fill(broken);
  await expect(page.getByTestId('editor-status')).toHaveText('1 problem: fix it to run.');
  const problem = page.getByTestId('editor-problems').getByRole('listitem');
  await expect(problem).toContainText(`line ${badLine}`);
  await expect(problem).toContainText('timeline[1].action.process');
  await expect(problem).toContainText('no process "broker-33"');
  await expect(editor.getByRole('button', { name: 'Run this scenario' })).toBeDisabled();
  await expect(editor.locator('.editor-line-bad')).toHaveText(String(badLine));
  await page.screenshot({ path: 'artifacts/screenshots/lessons-editor-error.png' });

  // A click on the line puts the caret there.
  await problem.getByRole('button', { name: `line ${badLine}` }).click();
  const caretLine = await area.evaluate((node: HTMLTextAreaElement) => node.value.slice(0, node.selectionStart).split('\n').length);
  expect(caretLine).toBe(badLine);

  // Fix it, run it.
  await area.fill(broken.replace('broker-33', 'broker-3'));
  await expect(page.getByTestId('editor-status')).toHaveText('Valid: ready to run.');
  await editor.getByRole('button', { name: 'Run this scenario' }).click();
  await expect(editor).toHaveCount(0);
  await expect(page.getByTestId('scenario-panel')).toContainText('My broker crash');
  await expect(page.getByRole('combobox', { name: 'Open a lesson' })).toHaveValue('(edited)');
  await expect(page).toHaveURL(/#text=[A-Za-z0-9_-]+$/);

  // The caption with HTML in it is shown as text: no image, no script ran.
  await page.getByRole('button', { name: 'Next step ›' }).click();
  const caption = page.getByTestId('caption');
  await expect(caption).toContainText("<img src=x onerror='window.__pwned=1'>Every process pings");
  await expect(caption.locator('img')).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  await page.screenshot({ path: 'artifacts/screenshots/lessons-caption-as-text.png' });

  // Its own link: the edited text travels in the link (compressed), not the library's lesson.
  const hash = (await page.getByTestId('trace-hash').textContent())!;
  await page.getByRole('button', { name: 'Share this moment' }).click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).not.toContain('scenario=');
  expect(link).toMatch(/#text=[A-Za-z0-9_-]+$/);
  const other = await context.newPage();
  failOnPageErrors(other);
  await other.goto(link);
  await expect(other.getByTestId('scenario-panel')).toContainText('My broker crash');
  await expect(step(other)).toHaveText('Step 1 of 4');
  await expect(other.getByTestId('trace-hash')).toHaveText(hash);
  await expect(other.getByTestId('caption')).toContainText("<img src=x onerror='window.__pwned=1'>");
  expect(await other.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
});

test('share a moment: the link reopens the same clock and trace hash, actions included', async ({ page, context }) => {
  failOnPageErrors(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('./?scenario=broker-crash&seed=11');
  await page.getByRole('button', { name: 'Next step ›' }).click();
  await expect(step(page)).toHaveText('Step 1 of 4');
  // The learner crashes broker-5 themselves, then steps a few events past a round millisecond.
  await page.getByTestId('process-broker-5').getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId('status-broker-5')).toHaveText('Crashed');
  // Its peers give up on broker-5 too: the lesson's "when" step (all eight unreachable) comes early.
  await page.getByRole('button', { name: 'Next step ›' }).click();
  await expect(step(page)).toHaveText('Step 2 of 4');
  await expect(page.getByTestId('caption')).toContainText('All eight peers');
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Step one event' }).click();
  await expect(page.getByRole('button', { name: 'Step one event' })).toBeEnabled();
  const shownClock = (await clock(page).textContent())!;
  const shownHash = (await page.getByTestId('trace-hash').textContent())!;

  await page.getByRole('button', { name: 'Share this moment' }).click();
  const panel = page.getByTestId('share-panel');
  await expect(panel.getByRole('status')).toContainText('Link copied');
  const link = await page.getByTestId('share-link').inputValue();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  expect(link).toMatch(/\?scenario=broker-crash&seed=11&t=\d+(\.\d+)?&events=\d+#actions=[A-Za-z0-9_-]+$/);
  await page.screenshot({ path: 'artifacts/screenshots/lessons-share.png' });

  const other = await context.newPage();
  failOnPageErrors(other);
  await other.goto(link);
  await expect(clock(other)).toHaveText(shownClock, { timeout: 30_000 });
  await expect(other.getByTestId('trace-hash')).toHaveText(shownHash);
  await expect(other.getByTestId('status-broker-5')).toHaveText('Crashed');
  await expect(step(other)).toHaveText('Step 2 of 4');
  await expect(other.getByTestId('timeline').locator('[data-testid="timeline-marker"][data-kind="you"]')).toHaveCount(1);
  await other.screenshot({ path: 'artifacts/screenshots/lessons-shared-opened.png' });
});

test('the clipboard refused: the link is shown selected to copy by hand', async ({ page }) => {
  failOnPageErrors(page);
  await page.addInitScript(() => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError')) } });
  });
  await page.goto('./');
  await expect(page.getByTestId('process-broker-1')).toBeVisible();
  await page.getByRole('button', { name: 'Share this moment' }).click();
  await expect(page.getByTestId('share-panel').getByRole('status')).toContainText('The clipboard refused (Write permission denied.)');
  const field = page.getByTestId('share-link');
  await expect(field).toBeFocused();
  const selected = await field.evaluate((node: HTMLInputElement) => node.value.slice(node.selectionStart ?? 0, node.selectionEnd ?? 0));
  expect(selected).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?seed=1&t=0&events=0$/);
});

test('a broken link names the parameter, its value and what is expected, and opens the default cluster', async ({ page }) => {
  failOnPageErrors(page);
  await page.goto('./?scenario=broker-crash&t=ten-seconds');
  const banner = page.getByRole('status').filter({ hasText: 'moment t' });
  await expect(banner).toContainText('The link\'s moment t "ten-seconds" is not a simulated time; expected milliseconds');
  await expect(banner).toContainText('The default cluster is open instead.');
  await expect(page.getByTestId('process-broker-1')).toBeVisible();
  await expect(page.getByTestId('scenario-panel')).toHaveCount(0);
  await expect(clock(page)).toHaveText('0:00.000');
  await page.screenshot({ path: 'artifacts/screenshots/lessons-broken-link.png' });

  await page.goto('./?seed=4&t=1000#text=bm90LWRlZmxhdGU');
  await expect(page.getByRole('status').filter({ hasText: 'edited scenario' })).toContainText('The link\'s edited scenario #text "bm90LWRlZmxhdGU" does not read');
  await expect(page.getByTestId('process-broker-1')).toBeVisible();
  await expect(page.getByTestId('scenario-panel')).toHaveCount(0);

  // A moment past the lesson's end is found out once the lesson is read: the default cluster opens too.
  await page.goto('./?scenario=broker-crash&t=99000');
  await expect(page.getByRole('status').filter({ hasText: 'moment' })).toContainText("past the scenario's end at 30000 ms");
  await expect(page.getByTestId('scenario-panel')).toHaveCount(0);
  await expect(page.getByTestId('process-broker-1')).toBeVisible();
});
