// The demo page in headless Chromium (playwright-core), driven through its own UI and window.kerasGan.
//
//   node tests/web/e2e.mjs URL INPUT.json OUT_DIR
//
// INPUT.json: {"z": [[...]], "label": [...] or null, "backends": ["wasm", ...], "ui": true|false}.
// For each backend it opens URL?backend=NAME and renders the fixed z with the page's own code. With "ui"
// it also opens URL as a user would, clicks "New digits", the digit 7 (conditional models) and the latent
// walk, and after each click waits until the page has drawn (state.renders) before reading the canvas.
// It writes OUT_DIR/result.json and a screenshot; the Python tests compare everything with Keras.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [url, inputPath, outDir] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const TIMEOUT = 180000;

fs.mkdirSync(outDir, { recursive: true });
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
const browser = await chromium.launch({ executablePath, args: ARGS, headless: true });
const result = { backends: {}, consoleErrors: [] };

async function openPage(pageUrl, waitFor = 'ready') {
  const page = await browser.newPage({ viewport: { width: 720, height: 1000 } });
  page.on('console', (msg) => { if (msg.type() === 'error') result.consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => result.consoleErrors.push(String(err)));
  page.on('requestfailed', (req) => result.consoleErrors.push(`request failed: ${req.url()}`));
  await page.goto(pageUrl);
  await page.waitForFunction(
    (key) => (window.kerasGan && window.kerasGan[key]) || document.querySelector('#status.error'),
    waitFor, { timeout: TIMEOUT },
  );
  return page;
}

const canvas = (page) => page.$eval('#grid', (c) => c.toDataURL('image/png'));
const pageState = (page) => page.evaluate(() => ({
  z: Array.from(window.kerasGan.state.z || []),
  labels: window.kerasGan.state.labels ? Array.from(window.kerasGan.state.labels) : null,
  renders: window.kerasGan.state.renders,
  backend: window.kerasGan.state.backend,
  failures: window.kerasGan.state.failures,
  status: document.querySelector('#status').textContent,
  failureText: document.querySelector('#failures').hidden ? '' : document.querySelector('#failures').textContent,
}));

// Clicks `selector` and waits until the page has drawn once more; returns the state and the canvas.
async function clickAndRead(page, selector) {
  const before = (await pageState(page)).renders;
  await page.click(selector);
  await page.waitForFunction((n) => window.kerasGan.state.renders > n, before, { timeout: 60000 });
  return { ...(await pageState(page)), canvas: await canvas(page) };
}

try {
  for (const name of input.backends || []) {
    const page = await openPage(`${url}?backend=${name}`);
    const entry = await pageState(page);
    if (await page.evaluate(() => window.kerasGan.ready)) {
      entry.used = await page.evaluate(() => tf.getBackend());
      const fixed = await page.evaluate(([z, labels]) => window.kerasGan.render(z, labels), [input.z.flat(), input.label]);
      entry.images = fixed.images;
      entry.canvas = await canvas(page);
    }
    result.backends[name] = entry;
    await page.close();
  }

  if (input.ui) {
    const started = Date.now();
    const page = await openPage(url, 'probed');  // the grid, then the other backends timed in the background
    result.secondsToProbed = (Date.now() - started) / 1000;
    result.first = { ...(await pageState(page)), canvas: await canvas(page) };
    result.conditional = await page.evaluate(() => window.kerasGan.state.conditional);
    await page.screenshot({ path: path.join(outDir, 'demo.png'), fullPage: true });
    result.newDigits = await clickAndRead(page, '#new');
    if (result.conditional) result.picked = await clickAndRead(page, '#digits button:text-is("7")');
    await page.click('#walk');
    const frames = new Set();
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(400);
      frames.add(await canvas(page));
    }
    await page.click('#walk');
    result.walkDistinctFrames = frames.size;
    await page.close();
  }
} finally {
  await browser.close();
}
fs.writeFileSync(path.join(outDir, 'result.json'), JSON.stringify(result));
