// tfjs LayersModel folders (model.json + weights) shared with Python's streamfit.tf.exchange
// (SPEC.md §10): tfjs-layers' own format, read and written by tfjs itself; these helpers add
// the folder rules and our error codes.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainError, rangeError } from '../errors.mjs';
import { loadTf } from './load.mjs';

const MODEL_JSON = 'model.json';

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Saves a tfjs LayersModel to `folder` (created if missing; it must be empty or hold an earlier
 * tfjs model, whose files are replaced; nothing else is deleted). Returns the model.json path.
 * @example await saveTfjs(model, 'build/m'); // Python: streamfit.tf.exchange.load_tfjs('build/m')
 */
export async function saveTfjs(model, folder) {
  const dir = resolve(folder);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw rangeError('SF_ARG', `saveTfjs: ${folder} is a file; give a folder (model.json and weights.bin go into it)`);
  }
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) {
    const doc = readJson(join(dir, MODEL_JSON));
    if (doc === null || typeof doc !== 'object' || !('modelTopology' in doc || 'format' in doc)) {
      throw rangeError('SF_ARG', `saveTfjs: ${folder} is not empty and holds no tfjs model.json; save into a new or empty folder (or over an earlier tfjs model)`);
    }
  }
  await model.save(`file://${dir}`); // tfjs-node takes the path as it is (no URL decoding)
  return join(dir, MODEL_JSON);
}

/**
 * Loads a tfjs LayersModel from a folder (or its model.json) written by Python's save_tfjs or by
 * model.save('file://...'). The model is not compiled; compile it to train it further.
 * @example const model = await loadTfjs('build/m'); model.predict(x);
 */
export async function loadTfjs(path) {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const file = resolve(isDir ? join(path, MODEL_JSON) : path);
  if (!existsSync(file) || !statSync(file).isFile()) {
    const what = isDir ? 'holds no model.json' : 'does not exist';
    throw plainError('SF_FILE_NOT_FOUND', `loadTfjs: ${path} ${what}; give a folder written by save_tfjs or model.save('file://...'), or its model.json`);
  }
  const doc = readJson(file);
  if (doc === null || typeof doc !== 'object' || typeof doc.modelTopology !== 'object' || doc.modelTopology === null) {
    throw rangeError('SF_ARG', `loadTfjs: ${file} is not JSON with a modelTopology; it is not a tfjs LayersModel`);
  }
  if ((doc.format ?? 'layers-model') !== 'layers-model') {
    throw rangeError('SF_ARG', `loadTfjs: ${file} is a ${JSON.stringify(doc.format)}; only "layers-model" folders hold Keras layers (tf.loadGraphModel reads the others)`);
  }
  for (const group of doc.weightsManifest ?? []) {
    for (const p of group.paths ?? []) {
      if (!existsSync(join(file, '..', p))) throw plainError('SF_FILE_NOT_FOUND', `loadTfjs: ${join(file, '..', p)} (listed in ${file}) does not exist`);
    }
  }
  const tf = await loadTf();
  try {
    return await tf.loadLayersModel(`file://${file}`);
  } catch (cause) {
    throw rangeError('SF_ARG', `loadTfjs: ${file}: tfjs-layers cannot load it (${cause.message})`, cause);
  }
}
