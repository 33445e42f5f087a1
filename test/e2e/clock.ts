import type { Page } from '@playwright/test';

/** The simulated time the top bar's clock shows, in milliseconds (it reads [h:]m:ss.mmm). */
export async function clockMs(page: Page): Promise<number> {
  const text = (await page.getByTestId('sim-clock').textContent()) ?? '';
  const match = /^(?:(\d+):)?(\d+):(\d+)\.(\d+)$/.exec(text.trim());
  if (match === null) throw new Error(`the clock shows "${text}", not m:ss.mmm`);
  const [, hours, minutes, seconds, millis] = match;
  return ((Number(hours ?? 0) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + Number(millis);
}
