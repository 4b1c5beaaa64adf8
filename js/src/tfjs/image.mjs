// Image decode and resize through TF's own ops in tfjs-node's libtensorflow,
// so pixels equal Python's tf.raw_ops.DecodeImage / ResizeBilinear /
// ResizeNearestNeighbor. SPEC.md §3.2, §3.5 (masks).
import { loadTf } from './load.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { plainError, rangeError } from '../errors.mjs';

let cached = null;

async function backendParts() {
  if (cached === null) {
    const tf = await loadTf();
    const backend = tf.findBackend('tensorflow') ?? tf.backend();
    cached = { tf, backend, binding: backend.binding };
  }
  return cached;
}

/** Runs one TF op on raw tensor ids; returns output metadata. */
function exec(binding, name, attrs, ids) {
  return binding.executeOp(name, attrs, ids, 1)[0];
}

/** uint8 values of a raw uint8 tensor: the binding cannot read uint8 back, so Cast to int32 (exact) first. */
function readUint8(binding, id, rawIds) {
  const wide = exec(binding, 'Cast', [
    { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
    { name: 'DstT', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
    { name: 'Truncate', type: binding.TF_ATTR_BOOL, value: false },
  ], [id]);
  rawIds.push(wide.id);
  return Uint8Array.from(binding.tensorDataSync(wide.id));
}

/**
 * Decodes image bytes to uint8 [h, w, c] and optionally resizes (float32) and scales.
 * `fit` (with imageSize): 'stretch' resizes as is, 'crop' crops the centre to the
 * target aspect ratio first, 'pad' resizes inside it and pads with zeros (SPEC.md §3.4).
 * `resize: 'nearest'` (with fit 'stretch') resizes with ResizeNearestNeighbor
 * (align_corners=false, half_pixel_centers=true) and keeps uint8: label masks (SPEC.md §3.5).
 * @example const x = await decodeImage(bytes, { channels: 3, imageSize: [64, 64], scale: true, file: 'a.png', fit: 'crop' });
 * @example const mask = await decodeImage(bytes, { channels: 1, imageSize: [64, 64], scale: false, file: 'm.png', resize: 'nearest' });
 * @param {Uint8Array} bytes file contents
 * @param {{channels: number, imageSize: [number, number]|null, scale: boolean, file: string, fit?: 'stretch'|'crop'|'pad', resize?: 'bilinear'|'nearest'}} options
 * @returns {Promise<NdArray>}
 */
export async function decodeImage(bytes, { channels, imageSize, scale, file, fit = 'stretch', resize = 'bilinear' }) {
  if (resize === 'nearest' && fit !== 'stretch') throw new Error('internal: nearest-neighbour resize only stretches');
  const { tf, binding } = await backendParts();
  const owned = [];
  try {
    // A string scalar holding the bytes, made by tfjs and read by its backend.
    // The binding reads the whole underlying ArrayBuffer, so a view into a
    // larger buffer (Node's pooled small Buffers) must be copied first.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
    const contents = tf.scalar(own, 'string');
    owned.push(contents);
    const contentsId = backendId(tf, contents);
    let decoded;
    try {
      decoded = exec(binding, 'DecodeImage', [
        { name: 'channels', type: binding.TF_ATTR_INT, value: channels },
        { name: 'dtype', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
        { name: 'expand_animations', type: binding.TF_ATTR_BOOL, value: false },
      ], [contentsId]);
    } catch (cause) {
      throw plainError('SF_IMAGE_DECODE', `image ${file} cannot be decoded (${String(cause.message).split('\n')[0]}); remove it or convert it to JPEG, PNG, BMP, GIF or WebP`, cause);
    }
    const rawIds = [decoded.id];
    try {
      const [h, w, c] = decoded.shape;
      if (!imageSize) {
        const img = new NdArray('uint8', [h, w, c], readUint8(binding, decoded.id, rawIds));
        return scale ? divide255(img) : img;
      }
      const [outH, outW] = imageSize;
      let src = decoded.id;
      let [srcH, srcW] = [h, w];
      let [toH, toW] = [outH, outW];
      let place = null;
      if (fit === 'crop') {
        const box = cropBox(h, w, outH, outW);
        const beginId = binding.createTensor([3], binding.TF_INT32, Int32Array.of(box.top, box.left, 0));
        const sizeId0 = binding.createTensor([3], binding.TF_INT32, Int32Array.of(box.height, box.width, c));
        rawIds.push(beginId, sizeId0);
        const sliced = exec(binding, 'Slice', [
          { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
          { name: 'Index', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
        ], [decoded.id, beginId, sizeId0]);
        rawIds.push(sliced.id);
        [src, srcH, srcW] = [sliced.id, box.height, box.width];
      } else if (fit === 'pad') {
        place = padBox(h, w, outH, outW);
        if (place.height < 1 || place.width < 1) {
          throw rangeError('SF_ARG', `image ${file} (${h}x${w}) scales to ${place.height}x${place.width} when padded to ${outH}x${outW}; use a larger imageSize or crop instead of pad`);
        }
        [toH, toW] = [place.height, place.width];
      }
      // ResizeBilinear wants [batch, h, w, c]: reshape the raw uint8 tensor.
      const shapeId = binding.createTensor([4], binding.TF_INT32, Int32Array.of(1, srcH, srcW, c));
      rawIds.push(shapeId);
      const batched = exec(binding, 'Reshape', [
        { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
        { name: 'Tshape', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
      ], [src, shapeId]);
      rawIds.push(batched.id);
      const sizeId = binding.createTensor([2], binding.TF_INT32, Int32Array.of(toH, toW));
      rawIds.push(sizeId);
      if (resize === 'nearest') {
        const nearest = exec(binding, 'ResizeNearestNeighbor', [
          { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
          { name: 'align_corners', type: binding.TF_ATTR_BOOL, value: false },
          { name: 'half_pixel_centers', type: binding.TF_ATTR_BOOL, value: true },
        ], [batched.id, sizeId]);
        rawIds.push(nearest.id);
        const img = new NdArray('uint8', [outH, outW, c], readUint8(binding, nearest.id, rawIds));
        return scale ? divide255(img) : img;
      }
      const resized = exec(binding, 'ResizeBilinear', [
        { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
        { name: 'align_corners', type: binding.TF_ATTR_BOOL, value: false },
        { name: 'half_pixel_centers', type: binding.TF_ATTR_BOOL, value: true },
      ], [batched.id, sizeId]);
      rawIds.push(resized.id);
      let data = Float32Array.from(binding.tensorDataSync(resized.id));
      if (place !== null) data = placeInZeros(data, place, outH, outW, c);
      const img = new NdArray('float32', [outH, outW, c], data);
      return scale ? divide255(img) : img;
    } finally {
      for (const id of rawIds) binding.deleteTensor(id);
    }
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** The binding's tensor id behind a tfjs tensor (uploading it if needed). */
function backendId(tf, tensor) {
  const backend = tf.findBackend('tensorflow');
  return backend.getInputTensorIds([tensor])[0];
}

/** float32 x / 255 (a division, SPEC.md §2.4). */
export function divide255(img) {
  const out = new Float32Array(img.data.length);
  for (let k = 0; k < out.length; k++) out[k] = img.data[k] / 255;
  return new NdArray('float32', img.shape, out);
}

const f32 = Math.fround;

/**
 * Keras's smart_resize crop box in its tf.data (graph) branch: float32 divisions,
 * truncating casts (SPEC.md §3.4).
 * @example cropBox(17, 23, 10, 6) // { top, left, height, width }
 */
export function cropBox(H, W, h, w) {
  const height = Math.max(Math.min(H, Math.trunc(f32(f32(W * h) / f32(w)))), 1);
  const width = Math.max(Math.min(W, Math.trunc(f32(f32(H * w) / f32(h)))), 1);
  const top = Math.trunc(f32(f32(H - height) / 2));
  const left = Math.trunc(f32(f32(W - width) / 2));
  return { top, left, height, width };
}

/**
 * tf.image.resize_with_pad's box: the resized size and its offset in the
 * target, every step a float32 operation (SPEC.md §3.4).
 * @example padBox(30, 18, 7, 13) // { top, left, height, width }
 */
export function padBox(H, W, h, w) {
  const [fH, fW, fh, fw] = [f32(H), f32(W), f32(h), f32(w)];
  const r = Math.max(f32(fW / fw), f32(fH / fh));
  const rh = f32(fH / r);
  const rw = f32(fW / r);
  const top = Math.max(0, Math.floor(f32(f32(fh - rh) / 2)));
  const left = Math.max(0, Math.floor(f32(f32(fw - rw) / 2)));
  return { top, left, height: Math.floor(rh), width: Math.floor(rw) };
}

/** Copies a [box.height, box.width, c] image into a zero [h, w, c] one at (box.top, box.left). */
function placeInZeros(data, box, h, w, c) {
  const out = new Float32Array(h * w * c);
  const row = box.width * c;
  for (let y = 0; y < box.height; y++) {
    out.set(data.subarray(y * row, (y + 1) * row), ((box.top + y) * w + box.left) * c);
  }
  return out;
}
