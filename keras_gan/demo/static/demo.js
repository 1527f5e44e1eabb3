// keras-gan demo: runs an exported generator (a TF.js graph model) in the page.
//
// Served by `python -m keras_gan.serve_demo RUN_DIR`, which puts the model
// under model/ and TF.js under vendor/. `window.kerasGan` is the page's small
// API; the browser test uses it to feed a fixed z and read the output back.
'use strict';

const GRID = 8;                 // 8 x 8 digits
const N = GRID * GRID;
const SIZE = 28;                // MNIST digits are 28 x 28
const PAD = 2;                  // black pixels between digits
const WALK_FRAMES = 48;         // frames from one latent point to the next
const BACKENDS = ['wasm', 'webgl', 'cpu'];

const $ = (id) => document.getElementById(id);
const state = {
  model: null, latentDim: 0, conditional: false, digit: null, z: null, labels: null, walking: false,
  backend: null, timings: {}, failures: {}, renders: 0,
};

// ---- random numbers: a seedable generator, so a seed gives the same grid ----
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let random = mulberry32(Date.now());

function normals(n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {  // Box-Muller: two normals per pair of uniforms
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

function drawLabels() {
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) labels[i] = state.digit ?? Math.floor(random() * 10);
  return labels;
}

// ---- the model ----
// Returns images in [0, 1], a Float32Array of n * 28 * 28, and the time taken.
async function generate(z, labels) {
  const n = z.length / state.latentDim;
  const start = performance.now();
  const out = tf.tidy(() => {
    const feeds = { z: tf.tensor2d(z, [n, state.latentDim]) };
    if (state.conditional) feeds.label = tf.tensor1d(labels, 'int32');
    return state.model.execute(feeds);
  });
  const images = await out.data();  // waits for the backend to finish
  out.dispose();
  return { images, ms: performance.now() - start };
}

// Every model run goes through this queue, so that timing the backends in
// the background never interleaves with drawing the grid.
let queue = Promise.resolve();
function exclusive(fn) {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
}

// Switches to `name` and times 64 digits there (after a warm-up run that
// compiles kernels or shaders); returns the time, or null if it does not work.
// A backend that fails is recorded in state.failures and shown on the page:
// a model that cannot run somewhere should say so, not quietly use another.
async function timeBackend(name, z, labels, runs) {
  try {
    if (!(await tf.setBackend(name))) throw new Error('this browser cannot start it');
    await tf.ready();
    await generate(z, labels);
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await generate(z, labels)).ms);
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
  } catch (err) {
    state.failures[name] = err.message;
    showFailures();
    return null;
  }
}

function showFailures() {
  const entries = Object.entries(state.failures);
  $('failures').hidden = entries.length === 0;
  $('failures').textContent = entries.map(([name, message]) => `${name} failed: ${message}`).join(' · ');
}

// The first backend that works (or ?backend=NAME): the grid appears at once.
async function startBackend() {
  const forced = new URLSearchParams(location.search).get('backend');
  const z = normals(N * state.latentDim);
  const labels = drawLabels();
  for (const name of forced ? [forced] : BACKENDS) {
    const ms = await timeBackend(name, z, labels, forced ? 1 : 3);  // a forced backend has nothing to beat
    if (ms !== null) {
      state.backend = name;
      state.timings = { [name]: ms };
      return;
    }
  }
  const tried = Object.entries(state.failures).map(([name, message]) => `${name}: ${message}`).join('; ');
  throw new Error(`no TF.js backend works here (${tried})`);
}

// Then the others, in the background; the fastest is kept.
async function probeOtherBackends() {
  if (new URLSearchParams(location.search).get('backend')) return;
  const z = normals(N * state.latentDim);
  const labels = drawLabels();
  for (const name of BACKENDS.filter((b) => !(b in state.timings))) {
    await exclusive(async () => {
      const ms = await timeBackend(name, z, labels, 3);
      if (ms !== null) state.timings[name] = ms;
      if (ms !== null && ms < state.timings[state.backend]) state.backend = name;
      await tf.setBackend(state.backend);
    });
  }
}

function showBackend() {
  const threads = state.backend === 'wasm' ? tf.wasm.getThreadsCount() : 0;
  $('backend').textContent = threads ? `wasm · ${threads} thread${threads > 1 ? 's' : ''}` : state.backend;
}

function showTimings(done) {
  const tried = Object.entries(state.timings).map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join(', ');
  setStatus(done ? `Ready on ${state.backend}. Backends tried (64 digits): ${tried}.`
    : `Ready on ${state.backend} (${tried}); timing the other backends…`);
}

// ---- drawing ----
const cell = SIZE + PAD;
const side = GRID * cell + PAD;
const offscreen = new OffscreenCanvas(side, side);
$('grid').width = $('grid').height = 2 * side;  // whole pixels: each MNIST pixel is 2 x 2

function draw(images) {
  const rgba = new ImageData(side, side);
  rgba.data.fill(0);
  for (let k = 0; k < N; k++) {
    const x0 = PAD + (k % GRID) * cell;
    const y0 = PAD + Math.floor(k / GRID) * cell;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const v = Math.round(255 * Math.min(1, Math.max(0, images[k * SIZE * SIZE + y * SIZE + x])));
        const p = 4 * ((y0 + y) * side + x0 + x);
        rgba.data[p] = rgba.data[p + 1] = rgba.data[p + 2] = v;
      }
    }
  }
  for (let p = 3; p < rgba.data.length; p += 4) rgba.data[p] = 255;
  offscreen.getContext('2d').putImageData(rgba, 0, 0);
  const canvas = $('grid');
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(offscreen, 0, 0, canvas.width, canvas.height);
}

async function render(z, labels) {
  const result = await exclusive(() => generate(z, labels));
  draw(result.images);
  $('time').textContent = `${result.ms.toFixed(0)} ms · ${N} digits`;
  state.renders += 1;  // tests wait for this before reading the canvas
  return result;
}

// ---- latent walk: slerp between two points, per digit ----
function slerp(a, b, t, dim) {
  const out = new Float32Array(a.length);
  for (let k = 0; k < a.length; k += dim) {
    let dot = 0, na = 0, nb = 0;
    for (let i = k; i < k + dim; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb))));
    const s = Math.sin(omega);
    const wa = s < 1e-6 ? 1 - t : Math.sin((1 - t) * omega) / s;
    const wb = s < 1e-6 ? t : Math.sin(t * omega) / s;
    for (let i = k; i < k + dim; i++) out[i] = wa * a[i] + wb * b[i];
  }
  return out;
}

async function walk() {
  let from = state.z;
  let to = normals(N * state.latentDim);
  let frame = 0;
  while (state.walking) {
    frame += 1;
    const t = frame / WALK_FRAMES;
    state.z = slerp(from, to, 0.5 - 0.5 * Math.cos(Math.PI * t), state.latentDim);  // ease in and out
    await render(state.z, state.labels);
    if (frame === WALK_FRAMES) { from = to; to = normals(N * state.latentDim); frame = 0; }
    await new Promise(requestAnimationFrame);
  }
}

// ---- UI ----
function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

async function newDigits() {
  state.z = normals(N * state.latentDim);
  state.labels = drawLabels();
  if (!state.walking) await render(state.z, state.labels);
}

function buildPicker() {
  $('picker').hidden = false;
  const choices = [['any', null], ...Array.from({ length: 10 }, (_, d) => [String(d), d])];
  for (const [text, digit] of choices) {
    const button = document.createElement('button');
    button.textContent = text;
    button.setAttribute('aria-pressed', String(digit === state.digit));
    button.addEventListener('click', async () => {
      state.digit = digit;
      for (const b of $('digits').children) b.setAttribute('aria-pressed', String(b === button));
      state.labels = drawLabels();
      if (!state.walking) await render(state.z, state.labels);
    });
    $('digits').appendChild(button);
  }
}

async function main() {
  const seed = new URLSearchParams(location.search).get('seed');
  if (seed !== null) random = mulberry32(Number(seed));
  tf.wasm.setWasmPaths('vendor/');
  tf.enableProdMode();
  state.model = await tf.loadGraphModel('model/model.json');
  const input = state.model.inputs.find((i) => i.name.startsWith('z'));
  state.latentDim = input.shape[input.shape.length - 1];
  state.conditional = state.model.inputs.some((i) => i.name.startsWith('label'));
  const meta = (state.model.metadata && state.model.metadata.keras_gan) || {};
  $('model').textContent = [meta.arch || 'generator', meta.epochs ? `${meta.epochs} epochs` : null, `z: ${state.latentDim}`]
    .filter(Boolean).join(' · ');

  setStatus('Starting TF.js…');
  await startBackend();
  showBackend();
  if (state.conditional) buildPicker();
  await newDigits();
  const forced = new URLSearchParams(location.search).get('backend');
  showTimings(Boolean(forced));

  $('new').disabled = false;
  $('walk').disabled = false;
  $('new').addEventListener('click', newDigits);
  $('walk').addEventListener('click', () => {
    state.walking = !state.walking;
    $('walk').setAttribute('aria-pressed', String(state.walking));
    $('walk').textContent = state.walking ? 'Stop walking' : 'Walk latent space';
    if (state.walking) walk();
  });
  window.kerasGan.ready = true;
  if (!forced) {
    await probeOtherBackends();
    showBackend();
    showTimings(true);
  }
  window.kerasGan.probed = true;
}

window.kerasGan = {
  ready: false,
  state,
  // Draws the grid for a given z (and labels) and returns the images as a plain array.
  async render(z, labels) {
    state.z = Float32Array.from(z);
    state.labels = labels ? Int32Array.from(labels) : drawLabels();
    const { images, ms } = await render(state.z, state.labels);
    return { images: Array.from(images), ms };
  },
  async time(runs = 10) {  // median time of `runs` generations of 64 digits
    const z = normals(N * state.latentDim);
    const labels = drawLabels();
    return exclusive(async () => {
      const times = [];
      for (let i = 0; i < runs; i++) times.push((await generate(z, labels)).ms);
      return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
    });
  },
};

main().catch((err) => {
  console.error(err);
  setStatus(`Could not start: ${err.message}`, true);
});
