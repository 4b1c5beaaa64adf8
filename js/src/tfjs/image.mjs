// Image decode and resize through TF's own ops in tfjs-node's libtensorflow,
// so pixels equal Python's tf.raw_ops.DecodeImage / ResizeBilinear. SPEC.md §3.2.
import { loadTf } from './load.mjs';
import { NdArray } from '../core/ndarray.mjs';
import { plainError } from '../errors.mjs';

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

/**
 * Decodes image bytes to uint8 [h, w, c] and optionally resizes (float32) and scales.
 * @param {Uint8Array} bytes file contents
 * @param {{channels: number, imageSize: [number, number]|null, scale: boolean, file: string}} options
 * @returns {Promise<NdArray>}
 */
export async function decodeImage(bytes, { channels, imageSize, scale, file }) {
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
        // The binding cannot read uint8 back; Cast to int32 (exact) first.
        const wide = exec(binding, 'Cast', [
          { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
          { name: 'DstT', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
          { name: 'Truncate', type: binding.TF_ATTR_BOOL, value: false },
        ], [decoded.id]);
        rawIds.push(wide.id);
        const data = Uint8Array.from(binding.tensorDataSync(wide.id));
        const img = new NdArray('uint8', [h, w, c], data);
        return scale ? divide255(img) : img;
      }
      // ResizeBilinear wants [batch, h, w, c]: reshape the raw uint8 tensor.
      const shapeId = binding.createTensor([4], binding.TF_INT32, Int32Array.of(1, h, w, c));
      rawIds.push(shapeId);
      const batched = exec(binding, 'Reshape', [
        { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
        { name: 'Tshape', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
      ], [decoded.id, shapeId]);
      rawIds.push(batched.id);
      const sizeId = binding.createTensor([2], binding.TF_INT32, Int32Array.of(imageSize[0], imageSize[1]));
      rawIds.push(sizeId);
      const resized = exec(binding, 'ResizeBilinear', [
        { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_UINT8 },
        { name: 'align_corners', type: binding.TF_ATTR_BOOL, value: false },
        { name: 'half_pixel_centers', type: binding.TF_ATTR_BOOL, value: true },
      ], [batched.id, sizeId]);
      rawIds.push(resized.id);
      const data = Float32Array.from(binding.tensorDataSync(resized.id));
      const img = new NdArray('float32', [imageSize[0], imageSize[1], c], data);
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
