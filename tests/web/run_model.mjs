// Runs an exported TF.js graph model in Node with plain @tensorflow/tfjs.
//
//   node web/tests/run_model.mjs MODEL_DIR INPUT.json OUTPUT.json [cpu|wasm]
//
// INPUT.json holds {"z": [[...], ...]} and, for a conditional model,
// {"label": [...]}. OUTPUT.json gets {"shape": [...], "images": [...flat]}.
// The Python tests compare that with the Keras generator.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const [modelDir, inputPath, outputPath, backend = 'cpu'] = process.argv.slice(2);

function loadFromDisk(dir) {
  // tf.loadGraphModel fetches over HTTP; in Node read the same files from disk.
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const weightSpecs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  return tf.io.fromMemory({
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  });
}

if (backend === 'wasm') {
  const dist = path.dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm')));
  setWasmPaths(dist + path.sep);
}
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
await tf.ready();

const model = await tf.loadGraphModel(loadFromDisk(modelDir));
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
const feeds = { z: tf.tensor2d(input.z) };
if (input.label !== undefined) feeds.label = tf.tensor1d(input.label, 'int32');
const out = model.execute(feeds);
fs.writeFileSync(outputPath, JSON.stringify({ shape: out.shape, images: Array.from(await out.data()), backend: tf.getBackend() }));
