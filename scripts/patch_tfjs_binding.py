#!/usr/bin/env python3
"""Patch tfjs-node's binding source (binding/tfjs_backend.cc) before build_tfjs_binding.sh compiles it.

What it changes: a tensor made from a JavaScript typed array gets its own TensorFlow-allocated copy
of the bytes. tfjs-node 4.22 hands TensorFlow the typed array's own memory (TF_NewTensor with a
deallocator that deletes a napi reference). TensorFlow keeps that memory only when it is 64-byte
aligned (otherwise it copies it anyway), so about one tensor in four shared V8 memory. A variable
assigned from such a tensor keeps its buffer; when TensorFlow later drops it, the deallocator runs
napi_delete_reference on a TensorFlow worker thread, which N-API forbids. Measured on the graph
engine's cross-language resume (tests/cross/test_graph_engine.py): 9 crashes in 100 runs (SIGSEGV,
or TensorFlow's `Check failed: IsAligned()` on a freed buffer), 0 in 60 with every tensor copied;
a probe in the deallocator showed 1-8 calls per run off the main thread.

The patch is checked: it applies to the exact code of the pinned tfjs-node, else it fails and says
so. Run again on patched source, it does nothing.

    python scripts/patch_tfjs_binding.py node_modules/@tensorflow/tfjs-node/binding/tfjs_backend.cc
"""
import sys

MARK = "streamfit: copy typed arrays"

OLD = """  // Sharing V8 memory with the underlying TensorFlow tensor requires adding an
  // additional refcount. When the Tensor is deleted, the refcount will be
  // reduced in the callback helper.
  NapiAutoRef *auto_ref = new NapiAutoRef();
  nstatus = auto_ref->Init(env, array_value);
  if (nstatus != napi_ok) {
    delete auto_ref;
  }
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);

  // Currently, int64-type Tensors are represented as Int32Arrays.
  // So the logic for comparing the byte size of the typed-array representation
  // and the byte size of the tensor dtype needs to be special-cased for int64.
  const size_t byte_size =
      dtype == TF_INT64 ? num_elements * width * 2 : num_elements * width;

  TF_AutoTensor tensor(TF_NewTensor(dtype, shape, shape_length, array_data,
                                    byte_size, DeallocTensor, auto_ref));

  TF_AutoStatus tf_status;
  TFE_TensorHandle *tfe_tensor_handle =
      TFE_NewTensorHandle(tensor.tensor, tf_status.status);
  if (TF_GetCode(tf_status.status) != TF_OK) {
    delete auto_ref;
    TFE_DeleteTensorHandle(tfe_tensor_handle);
  }
"""

NEW = f"""  // {MARK}: TensorFlow gets its own aligned copy of the bytes, never V8
  // memory. Shared memory was freed through a napi reference deleted on
  // whichever TensorFlow thread dropped the buffer last (a variable assigned
  // from it, for one), and N-API may only be called on the JavaScript thread.
  // See streamfit's scripts/patch_tfjs_binding.py.
  //
  // Currently, int64-type Tensors are represented as Int32Arrays.
  // So the logic for comparing the byte size of the typed-array representation
  // and the byte size of the tensor dtype needs to be special-cased for int64.
  const size_t byte_size =
      dtype == TF_INT64 ? num_elements * width * 2 : num_elements * width;

  TF_AutoTensor tensor(
      TF_AllocateTensor(dtype, shape, shape_length, byte_size));
  if (byte_size > 0) {{
    memcpy(TF_TensorData(tensor.tensor), array_data, byte_size);
  }}

  TF_AutoStatus tf_status;
  TFE_TensorHandle *tfe_tensor_handle =
      TFE_NewTensorHandle(tensor.tensor, tf_status.status);
  if (TF_GetCode(tf_status.status) != TF_OK) {{
    TFE_DeleteTensorHandle(tfe_tensor_handle);
  }}
"""


def patch(text):
    """The patched source; unchanged when already patched; ValueError when the code is not the expected one."""
    if MARK in text:
        return text
    if text.count(OLD) != 1:
        raise ValueError("the typed-array tensor code is not tfjs-node 4.22's (the patch expects it once); "
                         "check scripts/patch_tfjs_binding.py against this tfjs-node version")
    return text.replace(OLD, NEW)


def main(argv):
    if len(argv) != 2:
        print("usage: patch_tfjs_binding.py PATH/binding/tfjs_backend.cc", file=sys.stderr)
        return 2
    path = argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        out = patch(text)
    except ValueError as e:
        print(f"patch_tfjs_binding: {path}: {e}", file=sys.stderr)
        return 1
    if out != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(out)
        print(f"patch_tfjs_binding: {path}: typed arrays are copied into TensorFlow's own memory", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
