"""Edge cases found in review: each once silently produced wrong data or a raw error."""
import os

import numpy as np
import pytest

import streamfit as sf
from streamfit import StreamfitError

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared_fixtures", "data")


def test_generator_float_to_int32_out_of_range_is_an_error_not_a_wrap():
    for bad in (1e10, float("nan"), float("inf")):
        pipe = sf.from_generator(lambda bad=bad: iter([np.float32(bad)]),
                                 element_spec={"dtype": "int32", "shape": []})
        with pytest.raises(StreamfitError) as err:
            list(pipe)
        assert err.value.code == "SF_ARG" and "int32" in str(err.value)
    ok = sf.from_generator(lambda: iter([np.float32(-2.7), np.float32(3.9)]),
                           element_spec={"dtype": "int32", "shape": []})
    assert [int(x) for x in ok] == [-2, 3]  # truncation toward zero, as §4.3 cast


def test_to_tf_on_a_generator_with_varying_shapes():
    def rows():
        for i in range(1, 5):
            yield np.zeros(i, np.float32), np.float32(i)

    ds = sf.from_generator(rows).to_tf()
    assert [x.shape[0] for x, _ in ds] == [1, 2, 3, 4]


def test_image_folder_repeated_class_is_an_error():
    with pytest.raises(StreamfitError) as err:
        sf.image_folder(os.path.join(DATA, "images"), classes=["circle", "square", "triangle", "circle"])
    assert err.value.code == "SF_ARG" and "'circle'" in str(err.value)


@pytest.mark.parametrize("make", [
    lambda: sf.image_folder(os.path.join(DATA, "images"), extensions="png"),
    lambda: sf.class_folder(os.path.join(DATA, "classes"), extensions="png"),
    lambda: sf.paired_folders(os.path.join(DATA, "pairs"), extensions="png"),
])
def test_extensions_as_a_bare_string_is_an_error(make):
    with pytest.raises(StreamfitError) as err:
        make()
    assert err.value.code == "SF_ARG" and "extensions" in str(err.value)
