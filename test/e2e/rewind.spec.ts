// The timeline and rewind in real Chromium. Goal: a learner plays a lesson, crashes a broker, drags
// the timeline back to before the crash and sees the broker up again, the clock and the lesson's
// caption at that moment; returning to the furthest moment restores the run (same trace hash);
// acting from the earlier moment starts a new future, drops the later action (the page says so),
// and a reload resumes the branch. Method: the page as a person uses it, pointer and keyboard;
// screenshots in artifacts/screenshots/.
import { expect, test, type Page } from '@playwright/test';
import { clockMs } from './clock';

const SECOND_US = 1_000_000;

/** The x of simulated time `atUs` on the timeline's track. */
async function trackX(page: Page, atUs: number): Promise<{ x: number; y: number }> {
  const track = page.getByTestId('timeline-track');
  const box = (await track.boundingBox())!;
  const spanUs = Number(await track.getAttribute('data-span-us'));
  return { x: box.x + (box.width * atUs) / spanUs, y: box.y + box.height / 2 };
}

test('rewind a lesson to before a crash, return, then branch a new future that a reload resumes', async ({ page }) => {
  page.on('pageerror', (error) => {
    throw new Error(`the page threw: ${error.message}`);
  });
  await page.goto('./?scenario=broker-crash');
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(4_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();

  // The learner crashes broker-5 themselves, then lets the lesson run on.
  const crashedAt = await clockMs(page);
  await page.getByTestId('process-broker-5').getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId('status-broker-5')).toHaveText('Crashed');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(12_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  const headClock = (await page.getByTestId('sim-clock').textContent())!;
  const headHash = (await page.getByTestId('trace-hash').textContent())!;

  // The timeline marks the learner's crash, the lesson's own crash of broker-3, and says what each was.
  const timeline = page.getByTestId('timeline');
  const mine = timeline.locator('[data-testid="timeline-marker"][data-kind="you"]');
  await expect(mine).toHaveCount(1);
  await mine.hover();
  await expect(page.getByTestId('timeline-tip')).toContainText('broker-5');
  await expect(mine).toHaveAccessibleName(/your actions: .*broker-5/);
  await expect(timeline.locator('[data-testid="timeline-marker"][data-kind="fault"]').first()).toBeVisible();
  await page.screenshot({ path: 'artifacts/screenshots/timeline-before-rewind.png' });

  // Drag the playhead back to 2 s, before the crash.
  const from = await trackX(page, 10 * SECOND_US);
  const to = await trackX(page, 2 * SECOND_US);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, to.y, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
  await expect(page.getByTestId('sim-clock')).toHaveText('0:02.000', { timeout: 20_000 });
  expect(2_000).toBeLessThan(crashedAt);
  await expect(page.getByTestId('status-broker-5')).toHaveText('Up');
  await expect(page.getByTestId('status-broker-3')).toHaveText('Up');
  const rewound = page.getByTestId('rewound');
  await expect(rewound).toContainText('Rewound to 0:02.000');
  await expect(rewound).toContainText(`of a run that reached ${headClock}`);
  await expect(rewound).toContainText('broker-5');
  // The lesson's caption is the one of 2 s, not a later one.
  await expect(page.getByTestId('caption')).toContainText('pings its eight peers');
  await expect(page.getByTestId('caption').locator('time')).toHaveText('0:02.000');
  const rewoundHash = (await page.getByTestId('trace-hash').textContent())!;
  expect(rewoundHash).not.toBe(headHash);
  await page.screenshot({ path: 'artifacts/screenshots/timeline-rewound.png' });

  // Back to the furthest moment: the run exactly as it was.
  await page.getByTestId('timeline-return').click();
  await expect(page.getByTestId('sim-clock')).toHaveText(headClock, { timeout: 20_000 });
  await expect(page.getByTestId('trace-hash')).toHaveText(headHash);
  await expect(page.getByTestId('status-broker-5')).toHaveText('Crashed');
  await expect(rewound).toHaveCount(0);

  // The keyboard does the same: Home, two seconds right, Enter. Same moment, same hash.
  const slider = page.getByRole('slider', { name: /Moment shown/ });
  await slider.focus();
  await slider.press('Home');
  await slider.press('ArrowRight');
  await slider.press('ArrowRight');
  await expect(slider).toHaveAttribute('aria-valuetext', /^0:02\.000 of /);
  await slider.press('Enter');
  await expect(page.getByTestId('sim-clock')).toHaveText('0:02.000', { timeout: 20_000 });
  await expect(page.getByTestId('trace-hash')).toHaveText(rewoundHash);
  await expect(page.getByTestId('status-broker-5')).toHaveText('Up');

  // Something else instead: crash broker-1. A new future; the later crash of broker-5 is dropped.
  await page.getByTestId('process-broker-1').getByRole('button', { name: 'Crash' }).click();
  await expect(page.getByTestId('status-broker-1')).toHaveText('Crashed');
  await expect(page.getByTestId('branched')).toHaveText('A new future from 0:02.000: 1 later action was dropped.');
  await expect(mine).toHaveCount(1);
  await expect(mine).toHaveAccessibleName(/broker-1/);
  // At 1x: the lesson ends at 30 s, and at 10x a loaded machine's late pause once found it ended
  // (the button read Play, not Pause).
  await page.getByRole('radio', { name: '1×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBeGreaterThan(crashedAt + 1_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  await expect(page.getByTestId('status-broker-5')).toHaveText('Up');
  await expect(page.getByTestId('status-broker-1')).toHaveText('Crashed');
  await expect(page.getByTestId('save-status')).toHaveText('Saved in this browser');
  const branchClock = (await page.getByTestId('sim-clock').textContent())!;
  const branchHash = (await page.getByTestId('trace-hash').textContent())!;
  await page.screenshot({ path: 'artifacts/screenshots/timeline-branched.png' });

  // A reload resumes the branch, not the dropped future.
  await page.reload();
  await expect(page.getByTestId('sim-clock')).toHaveText(branchClock, { timeout: 20_000 });
  await expect(page.getByTestId('trace-hash')).toHaveText(branchHash);
  await expect(page.getByTestId('status-broker-1')).toHaveText('Crashed');
  await expect(page.getByTestId('status-broker-5')).toHaveText('Up');
  await expect(mine).toHaveCount(1);
});

test('filters hide and show a kind of marker; markers are reached with the keyboard', async ({ page }) => {
  await page.goto('./?scenario=broker-crash');
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible({ timeout: 20_000 }); // the lesson's end
  const timeline = page.getByTestId('timeline');
  const fencing = timeline.locator('[data-testid="timeline-marker"][data-kind="fencing"]');
  await expect(fencing).not.toHaveCount(0);
  await timeline.getByRole('checkbox', { name: /Fencing/ }).uncheck();
  await expect(fencing).toHaveCount(0);
  await timeline.getByRole('checkbox', { name: /Fencing/ }).check();
  await expect(fencing).not.toHaveCount(0);
  // A filter's name is its kind and count once: the count's copy (StableText) is hidden from it.
  await expect(timeline.getByRole('checkbox', { name: /^Fencing \(\d+\)$/ })).toHaveCount(1);

  // Each marker sits at its moment on the track (centred, 17 px wide) and 1 px below its lane's top:
  // grid items moved by `left`, as they were placed when absolutely positioned (timeline.css).
  for (const marker of await timeline.locator('[data-testid="timeline-marker"]').all()) {
    const atUs = Number(await marker.getAttribute('data-at-us'));
    const box = (await marker.boundingBox())!;
    const lane = (await marker.locator('xpath=..').boundingBox())!;
    expect(Math.abs(box.x + 8 - (await trackX(page, atUs)).x)).toBeLessThan(0.5);
    expect(box.y - lane.y).toBeCloseTo(1, 1);
    expect(box.width).toBe(17);
  }

  // One tab stop per lane; arrows walk its markers; focus says what a marker was; Enter goes there.
  const lesson = timeline.getByRole('group', { name: /^Lesson steps/ });
  const first = lesson.getByRole('button').first();
  await first.focus();
  await first.press('ArrowRight');
  const second = lesson.getByRole('button').nth(1);
  await expect(second).toBeFocused();
  await expect(page.getByTestId('timeline-tip')).toBeVisible();
  const atUs = Number(await second.getAttribute('data-at-us'));
  await second.press('Enter');
  await expect.poll(() => clockMs(page), { timeout: 20_000 }).toBe(atUs / 1_000);
  await page.screenshot({ path: 'artifacts/screenshots/timeline-keyboard.png' });
});

test('a long rewind shows its progress and the page stays responsive while the worker rebuilds', async ({ page }) => {
  // consumer-fan-out is the heaviest lesson (about 140,000 events in 60 s): a rebuild to 50 s takes
  // the worker about half a second, long enough to see.
  await page.goto('./?scenario=consumer-fan-out');
  await page.getByRole('radio', { name: 'Max' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByTestId('sim-clock')).toHaveText('1:00.000', { timeout: 30_000 });
  const slider = page.getByRole('slider', { name: /Moment shown/ });
  await slider.focus();
  await slider.press('PageDown');
  await slider.press('Enter');
  const rebuilding = page.getByTestId('rebuilding');
  // One assertion for the status and its progress bar together: with a faster engine the rebuild
  // can end between two separate ones (it takes well under a second on a quiet machine).
  const progress = page.getByRole('progressbar', { name: 'Rebuilding the earlier moment' });
  await expect(rebuilding.filter({ has: progress })).toContainText('Rebuilding the moment 0:50.000');
  // The page answers while the worker works: a filter toggles at once.
  const checks = page.getByTestId('timeline').getByRole('checkbox', { name: /Checks/ });
  await checks.check();
  await expect(checks).toBeChecked();
  await page.screenshot({ path: 'artifacts/screenshots/timeline-rebuilding.png' });
  await expect(page.getByTestId('sim-clock')).toHaveText('0:50.000', { timeout: 30_000 });
  await expect(rebuilding).toHaveCount(0);
  await expect(page.getByTestId('rewound')).toContainText('Rewound to 0:50.000 of a run that reached 1:00.000');
});
