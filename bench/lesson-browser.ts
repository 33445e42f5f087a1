// The page probes' common opening (bench/layout-roots.ts, bench/layerize-causes.ts): Debian's
// Chromium ($CHROMIUM_PATH, never a downloaded browser) at 1440x900, as bench/page.ts measures,
// with the lesson large-cluster.json playing at 10x. `css`: a style sheet injected first, to probe
// a change before writing it.
import { chromium, type Browser, type Page } from '@playwright/test';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function openPlayingLesson(url: string, css: string | undefined): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${url}?scenario=large-cluster`);
  if (css !== undefined) await page.addStyleTag({ path: css });
  await page.getByRole('radio', { name: '10×' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  return { browser, page };
}
