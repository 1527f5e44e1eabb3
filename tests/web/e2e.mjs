// End-to-end check of the demo page in headless Chromium (playwright-core).
//
//   node web/tests/e2e.mjs URL INPUT.json OUT_DIR [--backends wasm,webgl,cpu]
//
// Opens URL, waits for the grid, renders the fixed z of INPUT.json with the
// page's own code, clicks "New digits", times each backend, and writes
// OUT_DIR/result.json and screenshots. The Python test asserts on the result.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [url, inputPath, outDir, ...rest] = process.argv.slice(2);
const backendsArg = rest.indexOf('--backends');
const backends = backendsArg >= 0 ? rest[backendsArg + 1].split(',') : [];
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

fs.mkdirSync(outDir, { recursive: true });
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
const browser = await chromium.launch({ executablePath, args: ARGS, headless: true });
const result = { consoleErrors: [], backendTimings: {} };

async function openPage(pageUrl) {
  const page = await browser.newPage({ viewport: { width: 720, height: 1000 } });
  page.on('console', (msg) => { if (msg.type() === 'error') result.consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => result.consoleErrors.push(String(err)));
  page.on('requestfailed', (req) => result.consoleErrors.push(`request failed: ${req.url()}`));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.kerasGan && window.kerasGan.ready, null, { timeout: 180000 });
  return page;
}

// The grid shows as soon as one backend works; the others are timed after.
async function waitForProbing(page) {
  await page.waitForFunction(() => window.kerasGan.probed, null, { timeout: 180000 });
}

const canvasPng = (page) => page.$eval('#grid', (c) => c.toDataURL('image/png'));

try {
  const started = Date.now();
  const page = await openPage(url);
  result.secondsToFirstGrid = (Date.now() - started) / 1000;
  // Not blank: the grid has many distinct grey levels.
  result.firstGrid = await canvasPng(page);
  await waitForProbing(page);
  result.backend = await page.$eval('#backend', (e) => e.textContent);
  result.status = await page.$eval('#status', (e) => e.textContent);
  result.startupTimings = await page.evaluate(() => window.kerasGan.state.timings);
  result.conditional = await page.evaluate(() => window.kerasGan.state.conditional);
  await page.screenshot({ path: path.join(outDir, 'demo.png'), fullPage: true });

  // The page's own output for a fixed z (and labels).
  const fixed = await page.evaluate(([z, labels]) => window.kerasGan.render(z, labels), [input.z.flat(), input.label]);
  result.fixedImages = fixed.images;
  result.fixedGrid = await canvasPng(page);

  // "New digits" changes the canvas.
  await page.click('#new');
  await page.waitForFunction((before) => document.querySelector('#grid').toDataURL('image/png') !== before,
    result.fixedGrid, { timeout: 30000 });
  result.newGrid = await canvasPng(page);

  // A conditional model has a digit picker; pick 7.
  if (result.conditional) {
    await page.click('#digits button:text-is("7")');
    result.pickedLabels = await page.evaluate(() => Array.from(window.kerasGan.state.labels));
    result.pickedGrid = await canvasPng(page);
  }

  // The latent walk animates: frames differ while it runs.
  await page.click('#walk');
  const frames = new Set();
  for (let i = 0; i < 4; i++) {
    await page.waitForTimeout(400);
    frames.add(await canvasPng(page));
  }
  await page.click('#walk');
  result.walkDistinctFrames = frames.size;
  await page.close();

  for (const name of backends) {
    const p = await openPage(`${url}?backend=${name}`);
    await waitForProbing(p);
    const used = await p.evaluate(() => tf.getBackend());
    result.backendTimings[name] = used === name ? await p.evaluate(() => window.kerasGan.time(15)) : null;
    await p.close();
  }
} finally {
  await browser.close();
}
fs.writeFileSync(path.join(outDir, 'result.json'), JSON.stringify(result));
