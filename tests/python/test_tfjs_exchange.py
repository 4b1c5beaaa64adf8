"""Keras 3 <-> tfjs LayersModel folders (streamfit.tf.exchange): round trips, the tfjs form, errors.

Node's side (tf.loadLayersModel on these folders, and the reverse) is tests/cross/test_exchange.py.
(Not named test_exchange.py: pytest imports test modules by basename, and that one exists.)
"""

import json
import os

import numpy as np
import pytest

from streamfit import StreamfitError
from streamfit.tf.exchange import WEIGHTS_FILE, load_tfjs, save_tfjs
from streamfit.cli import main as cli_main


def convert_main(argv):
    return cli_main(["convert", *argv])

tf = __import__("tensorflow")  # a missing TensorFlow fails, never skips
keras = tf.keras


def cnn():
    """Every supported layer and option (strides, same/valid padding, each activation)."""
    return keras.Sequential([
        keras.Input((9, 9, 3)),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", name="c1"),
        keras.layers.MaxPooling2D(2, strides=1, padding="same", name="p1"),
        keras.layers.Conv2D(5, (2, 3), activation="tanh", use_bias=False, name="c2"),
        keras.layers.AveragePooling2D((1, 2), name="p2"),
        keras.layers.Dropout(0.25, name="drop"),
        keras.layers.GlobalAveragePooling2D(name="gap"),
        keras.layers.Dense(6, activation="sigmoid", name="d1"),
        keras.layers.Activation("softmax", name="act"),
    ], name="cnn")


def mlp():
    return keras.Sequential([keras.Input((2, 3)), keras.layers.Flatten(name="flat"),
                             keras.layers.Dense(5, activation="relu"), keras.layers.Dense(1)])


def randomize(model, seed=0):
    rng = np.random.RandomState(seed)  # test data only
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def inputs(shape, seed=1):
    return np.random.RandomState(seed).uniform(-1, 1, (4, *shape)).astype(np.float32)


def assert_same_bits(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        a, b = (np.asarray(v, np.float32).view(np.uint32) for v in (a, b))
        np.testing.assert_array_equal(a, b)


def keys_in(obj):
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in keys_in(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in keys_in(v)}
    return set()


@pytest.mark.parametrize("make", [cnn, mlp])
def test_round_trip_is_bit_exact(make, tmp_path):
    model = randomize(make())
    path = save_tfjs(model, tmp_path / "m")
    assert path == str(tmp_path / "m" / "model.json")
    assert sorted(os.listdir(tmp_path / "m")) == ["group1-shard1of1.bin", "model.json"]
    back = load_tfjs(tmp_path / "m")
    assert [layer.name for layer in back.layers] == [layer.name for layer in model.layers]
    assert [type(layer).__name__ for layer in back.layers] == [type(layer).__name__ for layer in model.layers]
    assert_same_bits(back.get_weights(), model.get_weights())
    x = inputs(model.inputs[0].shape[1:])
    np.testing.assert_array_equal(model.predict(x, verbose=0), back.predict(x, verbose=0))
    assert back.get_layer(back.layers[0].name).get_config() == model.layers[0].get_config()


def test_model_json_is_tfjs_layers_form(tmp_path):
    model = randomize(cnn())
    save_tfjs(model, tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert doc["format"] == "layers-model" and doc["convertedBy"].startswith("streamfit")
    topo = doc["modelTopology"]
    assert topo["class_name"] == "Sequential"
    layers = topo["config"]["layers"]
    assert [e["class_name"] for e in layers] == ["Conv2D", "MaxPooling2D", "Conv2D", "AveragePooling2D", "Dropout",
                                               "GlobalAveragePooling2D", "Dense", "Activation"]
    assert layers[0]["config"]["batch_input_shape"] == [None, 9, 9, 3] and layers[0]["config"]["dtype"] == "float32"
    assert layers[0]["config"]["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {"seed": None}}
    assert layers[0]["config"]["strides"] == [2, 2] and layers[0]["config"]["dilation_rate"] == [1, 1]
    # Keras 3 forms that tfjs-layers 4.22 rejects must not appear anywhere.
    assert not keys_in(topo) & {"batch_shape", "module", "registered_name", "build_config", "groups", "keepdims",
                                "quantization_config"}
    manifest = doc["weightsManifest"]
    assert manifest[0]["paths"] == [WEIGHTS_FILE]
    assert [w["name"] for w in manifest[0]["weights"]] == ["c1/kernel", "c1/bias", "c2/kernel", "d1/kernel", "d1/bias"]
    raw = (tmp_path / "m" / WEIGHTS_FILE).read_bytes()
    expect = b"".join(np.asarray(w, "<f4").tobytes() for w in model.get_weights())
    assert raw == expect


def write_folder(folder, doc, weights):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps(doc))
    (folder / "weights.bin").write_bytes(b"".join(np.asarray(w, "<f4").tobytes() for w in weights))


def tfjs_doc(weight_specs, first=None, extra_layers=()):
    """A model.json as tfjs-layers 4.22's model.save('file://...') writes it (copied from one)."""
    first = first or {"class_name": "Flatten", "config": {"name": "flatten_Flatten1", "trainable": True,
                                                          "batch_input_shape": [None, 2, 2], "dtype": "float32"}}
    dense = {"class_name": "Dense", "config": {
        "units": 3, "activation": "linear", "use_bias": True,
        "kernel_initializer": {"class_name": "VarianceScaling",
                               "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal", "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        "name": "dense_Dense2", "trainable": True}}
    return {"modelTopology": {"class_name": "Sequential",
                              "config": {"name": "sequential_2", "layers": [first, *extra_layers, dense]},
                              "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"},
            "weightsManifest": [{"paths": ["weights.bin"], "weights": weight_specs}],
            "format": "layers-model", "generatedBy": "TensorFlow.js tfjs-layers v4.22.0", "convertedBy": None}


DENSE_SPECS = [{"name": "dense_Dense2/kernel", "shape": [4, 3], "dtype": "float32"},
               {"name": "dense_Dense2/bias", "shape": [3], "dtype": "float32"}]


def test_reads_what_tfjs_writes(tmp_path):
    kernel = np.arange(12, dtype=np.float32).reshape(4, 3) / np.float32(7)
    bias = np.array([0.5, -1.25, 1e-30], np.float32)
    write_folder(tmp_path / "m", tfjs_doc(DENSE_SPECS), [kernel, bias])
    model = load_tfjs(tmp_path / "m" / "model.json")  # the file works as well as its folder
    assert [layer.name for layer in model.layers] == ["flatten_Flatten1", "dense_Dense2"]
    assert model.name == "sequential_2" and model.inputs[0].shape == (None, 2, 2)
    assert_same_bits(model.get_weights(), [kernel, bias])
    x = inputs((2, 2))
    np.testing.assert_allclose(model.predict(x, verbose=0), x.reshape(4, 4) @ kernel + bias, rtol=1e-6)


def test_reads_input_layer_model_config_and_skips_optimizer_weights(tmp_path):
    doc = tfjs_doc(DENSE_SPECS + [{"name": "iter", "shape": [], "dtype": "float32", "group": "optimizer"}],
                   first={"class_name": "InputLayer", "config": {"batch_input_shape": [None, 2, 2],
                                                                 "dtype": "float32", "sparse": False,
                                                                 "name": "input"}},
                   extra_layers=[{"class_name": "Flatten", "config": {"name": "flat"}}])
    doc["modelTopology"] = {"model_config": doc["modelTopology"], "training_config": {"loss": "mse"}}
    kernel, bias = np.ones((4, 3), np.float32), np.zeros(3, np.float32)
    write_folder(tmp_path / "m", doc, [kernel, bias, np.float32(7)])
    model = load_tfjs(tmp_path / "m")
    assert [layer.name for layer in model.layers] == ["flat", "dense_Dense2"]
    np.testing.assert_array_equal(model.get_weights()[0], kernel)


def test_overwrites_an_earlier_model_only(tmp_path):
    save_tfjs(randomize(mlp(), 1), tmp_path / "m")
    model = randomize(mlp(), 2)
    save_tfjs(model, tmp_path / "m")  # over an earlier tfjs model: fine
    np.testing.assert_array_equal(load_tfjs(tmp_path / "m").get_weights()[0], model.get_weights()[0])
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("mine")
    with pytest.raises(StreamfitError) as err:
        save_tfjs(model, tmp_path / "data")
    assert err.value.code == "SF_ARG" and "not empty" in str(err.value)
    assert os.listdir(tmp_path / "data") == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(StreamfitError, match="is a file") as err:
        save_tfjs(model, tmp_path / "file")
    assert err.value.code == "SF_ARG"


def functional():
    x = keras.Input((3,))
    return keras.Model(x, keras.layers.Dense(2)(x))


@pytest.mark.parametrize("make, words", [
    (lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="elu")]), ["'elu'", "relu"]),
    (lambda: keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(name="bn")]),
     ["'bn'", "BatchNormalization", "Dense"]),
    (lambda: keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3, dilation_rate=2, name="c")]),
     ["'c'", "dilation_rate"]),
    (lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, kernel_regularizer="l2")]),
     ["kernel_regularizer"]),
    (lambda: keras.Sequential([keras.Input((4, 4, 1)), keras.layers.GlobalAveragePooling2D(keepdims=True)]),
     ["keepdims"]),
    (lambda: keras.Sequential([keras.layers.Dense(2)]), ["not built", "keras.Input"]),
    (lambda: functional(), ["Functional", "Sequential"]),
])
def test_save_refuses_what_tfjs_would_compute_differently(make, words, tmp_path):
    with pytest.raises(StreamfitError) as err:
        save_tfjs(make(), tmp_path / "m")
    assert err.value.code == "SF_ARG"
    for word in words:
        assert word in str(err.value)
    assert not (tmp_path / "m").exists()


def broken(tmp_path, change):
    kernel, bias = np.ones((4, 3), np.float32), np.zeros(3, np.float32)
    doc = tfjs_doc(DENSE_SPECS)
    folder = tmp_path / "m"
    write_folder(folder, doc, [kernel, bias])
    change(folder, doc)
    return folder


@pytest.mark.parametrize("change, code, words", [
    (lambda f, d: (f / "model.json").unlink(), "SF_FILE_NOT_FOUND", ["holds no model.json"]),
    (lambda f, d: (f / "weights.bin").unlink(), "SF_FILE_NOT_FOUND", ["weights.bin", "does not exist"]),
    (lambda f, d: (f / "model.json").write_text("{nope"), "SF_ARG", ["model.json", "not JSON"]),
    (lambda f, d: (f / "model.json").write_text(json.dumps({**d, "format": "graph-model"})), "SF_ARG",
     ["graph-model"]),
    (lambda f, d: (f / "weights.bin").write_bytes(b"\0" * 40), "SF_ARG", ["40 bytes", "describes 60"]),
    (lambda f, d: (f / "model.json").write_text(json.dumps(
        {**d, "modelTopology": {**d["modelTopology"], "class_name": "Model"}})), "SF_ARG", ["a Model model"]),
    (lambda f, d: (f / "model.json").write_text(json.dumps(d).replace('"Dense"', '"LSTM"')), "SF_ARG",
     ["'dense_Dense2'", "LSTM", "Conv2D"]),
    (lambda f, d: (f / "model.json").write_text(json.dumps(d).replace('"linear"', '"selu"')), "SF_ARG",
     ["'selu'", "sigmoid"]),
    (lambda f, d: (f / "model.json").write_text(json.dumps(d).replace("dense_Dense2/bias", "other/bias")),
     "SF_ARG", ["'dense_Dense2/bias' is missing"]),
    (lambda f, d: (f / "model.json").write_text(json.dumps(d).replace("[4, 3]", "[3, 4]")), "SF_ARG",
     ["shape [3, 4]", "needs [4, 3]"]),
])
def test_load_errors_name_the_file_and_the_problem(tmp_path, change, code, words):
    folder = broken(tmp_path, change)
    with pytest.raises(StreamfitError) as err:
        load_tfjs(folder)
    assert err.value.code == code
    for word in words:
        assert word in str(err.value)


def test_load_missing_folder(tmp_path):
    with pytest.raises(StreamfitError) as err:
        load_tfjs(tmp_path / "nothing")
    assert err.value.code == "SF_FILE_NOT_FOUND" and "nothing" in str(err.value)


def test_convert_cli_keras_file_tfjs_folder_and_weights_file(tmp_path, capsys):
    model = randomize(mlp())
    model.save(tmp_path / "m.keras")
    assert convert_main([str(tmp_path / "m.keras"), str(tmp_path / "tfjs")]) == 0
    assert convert_main([str(tmp_path / "tfjs"), str(tmp_path / "back.keras")]) == 0
    back = keras.models.load_model(tmp_path / "back.keras", compile=False)
    assert_same_bits(back.get_weights(), model.get_weights())
    assert convert_main([str(tmp_path / "tfjs"), str(tmp_path / "w.json")]) == 0
    doc = json.loads((tmp_path / "w.json").read_text())
    assert [w["shape"] for w in doc["weights"]] == [[6, 5], [5], [5, 1], [1]]
    assert "wrote" in capsys.readouterr().out
    assert convert_main([str(tmp_path / "tfjs"), str(tmp_path / "x.h5")]) == 1
    assert "error SF_ARG" in capsys.readouterr().err


def test_convert_cli_spec_with_weights(tmp_path):
    spec = {"source": {"type": "range", "n": 4}, "ops": [],
            "model": {"seed": 3, "input_shape": [2], "layers": [{"type": "dense", "units": 2}]},
            "train": {"epochs": 1, "loss": "mse", "optimizer": {"type": "sgd", "learning_rate": 0.1}}}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    values = [[[0.5, 1.5], [-2.0, 3.25]], [0.125, -0.5]]
    (tmp_path / "w.json").write_text(json.dumps({"weights": [{"shape": [2, 2], "values": sum(values[0], [])},
                                                             {"shape": [2], "values": values[1]}]}))
    assert convert_main([str(tmp_path / "spec.json"), str(tmp_path / "m"), "--weights", str(tmp_path / "w.json")]) == 0
    model = load_tfjs(tmp_path / "m")
    np.testing.assert_array_equal(model.get_weights()[0], np.array(values[0], np.float32))
    np.testing.assert_array_equal(model.get_weights()[1], np.array(values[1], np.float32))
