// Drives the system's Chromium with playwright-core (which never downloads a browser of its own):
// opens the check page once per ladder and player and prints one JSON report per line.
//
//   node run.mjs CHROMIUM PAGE_URL 'PLAYER=MASTER_URL [SECONDS...]'...
import { chromium } from 'playwright-core';

const [executablePath, pageUrl, ...checks] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
});
try {
  for (const check of checks) {
    // PLAYER=MASTER_URL, then optionally the seconds to play across, separated by spaces.
    const eq = check.indexOf('=');
    const player = check.slice(0, eq);
    const [master, ...crossings] = check.slice(eq + 1).split(' ');
    const page = await browser.newPage();
    const console = [];
    page.on('console', message => { if (message.type() === 'error') console.push(message.text()); });
    page.on('pageerror', error => console.push(error.message));
    await page.goto(pageUrl);
    // "storyboard=MASTER_URL" checks the ladder's thumbnails track instead of its playback.
    const report = await page.evaluate(([p, m, c]) => p === 'storyboard'
      ? window.checkStoryboard(m, new URL('storyboard/thumbnails.vtt', m).href, [0.5, 1.5, 2.5, 4.5])
      : window.checkLadder(p, m, c), [player, master, crossings.map(Number)]);
    report.master = master;
    report.consoleErrors = console;
    process.stdout.write(JSON.stringify(report) + '\n');
    await page.close();
  }
} finally {
  await browser.close();
}
