"""scripts/patch_tfjs_binding.py: the tfjs-node source patch that build_tfjs_binding.sh applies (its effect is
tested in tests/js/tfjs.test.mjs: a typed array's tensor owns its bytes)."""

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("patch_tfjs_binding", os.path.join(ROOT, "scripts", "patch_tfjs_binding.py"))
patcher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(patcher)

SOURCE = "// before\n" + patcher.OLD + "  return tfe_tensor_handle;\n"


def test_the_patch_replaces_the_shared_memory_tensor_with_a_copy():
    out = patcher.patch(SOURCE)
    assert "TF_NewTensor" not in out and "auto_ref" not in out
    assert "TF_AllocateTensor(dtype, shape, shape_length, byte_size)" in out
    assert "memcpy(TF_TensorData(tensor.tensor), array_data, byte_size)" in out
    assert out.startswith("// before\n") and out.endswith("  return tfe_tensor_handle;\n")


def test_patched_source_is_left_as_it_is():
    once = patcher.patch(SOURCE)
    assert patcher.patch(once) == once


def test_source_of_another_tfjs_node_is_refused_with_the_reason(tmp_path, capsys):
    changed = SOURCE.replace("DeallocTensor, auto_ref", "Release, ref")
    with pytest.raises(ValueError, match="not tfjs-node 4.22's"):
        patcher.patch(changed)
    f = tmp_path / "tfjs_backend.cc"
    f.write_text(changed)
    assert patcher.main(["patch", str(f)]) == 1
    assert f.read_text() == changed
    assert str(f) in capsys.readouterr().err

