import type { Page } from '@playwright/test';

/**
 * A screenshot of the whole page as a person scrolling through it sees each part: the page draws
 * only what is near the viewport (a chart draws its points when scrolled to, and rows below the
 * fold are skipped with `content-visibility: auto`, perf.css), so a plain full-page capture showed
 * empty charts and blank rows below the fold. This scrolls through the page one viewport at a
 * time, two frames each (the charts' observers draw them), scrolls back, and captures with every
 * skipped part rendered (Playwright's `style`, applied for the capture only).
 */
export async function fullPageScreenshot(page: Page, path: string): Promise<void> {
  const { height, start } = await page.evaluate(() => ({ height: document.documentElement.scrollHeight, start: window.scrollY }));
  const step = page.viewportSize()?.height ?? 720;
  for (let top = 0; top < height; top += step) {
    await page.evaluate((y) => window.scrollTo(0, y), top);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  }
  await page.evaluate((y) => window.scrollTo(0, y), start);
  await page.screenshot({ path, fullPage: true, style: '* { content-visibility: visible !important; }' });
}
