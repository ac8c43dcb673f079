import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium, headless (installed by .ci/run): the browser every browser test drives. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
