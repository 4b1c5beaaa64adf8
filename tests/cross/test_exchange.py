"""Model exchange (SPEC §10): a Keras 3 model saved by streamfit.tf.exchange.save_tfjs loads in Node
with tf.loadLayersModel, predicts what Keras predicts (within 1e-6) and trains further; a model
trained in Node and saved by tfjs's own model.save('file://...') loads in Python with load_tfjs
and predicts what Node predicts (within 1e-6), with bit-identical weights.

Both sides read the same fixed inputs from a JSON file (a formula, no random draw); Node runs a
small driver (below) that reports its predictions and weights as JSON (float32 values are exact
as JSON doubles).
"""

import json
import os

import numpy as np
import pytest

from test_cross import ROOT, node, run

from streamfit.tf.exchange import load_tfjs, save_tfjs
from streamfit.tf.model import build_model, make_loss, make_optimizer

keras = __import__("tensorflow").keras

N, BATCH, LR = 16, 8, 0.05  # two steps of plain SGD wherever a model trains further

DRIVER = r"""
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const lib = (p) => import(pathToFileURL(join(job.root, p)).href);
const { loadTf } = await lib('js/src/tfjs/load.mjs');
const { loadTfjs, saveTfjs } = await lib('js/src/tfjs/exchange.mjs');
const { buildModel, makeLoss } = await lib('js/src/tfjs/model.mjs');
const tf = await loadTf();
const read = (p) => { const a = JSON.parse(readFileSync(p, 'utf8')); return tf.tensor(Float32Array.from(a.values), a.shape, 'float32'); };
const x = read(job.x);
const y = read(job.y);
const weights = (m) => m.getWeights().map((w) => Array.from(w.dataSync()));
const predict = (m) => Array.from(m.predict(x).dataSync());
async function train(m) {
  m.compile({ optimizer: tf.train.sgd(job.lr), loss: makeLoss(tf, job.loss) });
  // fitDataset: fit() would insist that sparse labels have the output's shape
  const ds = tf.data.zip({ xs: tf.data.array(tf.unstack(x)), ys: tf.data.array(tf.unstack(y)) }).batch(job.batch);
  await m.fitDataset(ds, { epochs: 1, verbose: 0 });
}
const out = {};
if (job.action === 'load') {  // a folder Python wrote: predict, train further, save with our helper
  const model = await loadTfjs(job.model_dir);
  out.names = model.layers.map((l) => l.name);
  out.pred = predict(model);
  out.before = weights(model);
  await train(model);
  out.after = weights(model);
  out.pred_after = predict(model);
  await saveTfjs(model, job.save_dir);
} else {  // a spec's model built and trained in Node, saved by tfjs itself
  const { model } = buildModel(tf, job.spec_model);
  await train(model);
  out.pred = predict(model);
  out.weights = weights(model);
  await model.save(`file://${job.save_dir}`);
}
writeFileSync(job.out, JSON.stringify(out));
"""


def spec_model(name):
    return json.load(open(os.path.join(ROOT, "examples", name)))


def fixed(shape, salt):
    """Inputs from a formula: the same numbers every run, in both languages."""
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    return np.sin(k * 0.731 + salt).astype(np.float32).reshape(shape)


def labels(loss, out_units):
    if loss == "sparse_categorical_crossentropy":
        return (np.arange(N) % out_units).astype(np.float32)
    return fixed((N, out_units), 2.0)


def write_array(path, a):
    path.write_text(json.dumps({"shape": list(a.shape), "values": [float(v) for v in a.ravel()]}))
    return str(path)


def run_node(tmp_path, **job):
    job.update(root=ROOT, out=str(tmp_path / "node_out.json"), lr=LR, batch=BATCH)
    (tmp_path / "driver.mjs").write_text(DRIVER)
    (tmp_path / "job.json").write_text(json.dumps(job))
    run([node(), str(tmp_path / "driver.mjs"), str(tmp_path / "job.json")])
    return json.loads((tmp_path / "node_out.json").read_text())


def as_f32(values, like):
    return np.array(values, dtype=np.float64).astype(np.float32).reshape(like.shape)


def assert_close_1e6(node_values, keras_values):
    got = np.array(node_values, np.float64).reshape(keras_values.shape)
    assert np.max(np.abs(got - keras_values)) <= 1e-6, np.max(np.abs(got - keras_values))


def every_layer_model():
    """Not from a spec: every supported layer class and option."""
    model = keras.Sequential([
        keras.Input((9, 9, 3)),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", name="c1"),
        keras.layers.MaxPooling2D(2, strides=1, padding="same", name="p1"),
        keras.layers.Conv2D(5, (2, 3), activation="tanh", name="c2"),
        keras.layers.AveragePooling2D((1, 2), name="p2"),
        keras.layers.Dropout(0.25, name="drop"),
        keras.layers.GlobalAveragePooling2D(name="gap"),
        keras.layers.Activation("tanh", name="act"),
        keras.layers.Dense(6, activation="sigmoid", name="d1"),
        keras.layers.Dense(6, activation="softmax", name="d2"),
    ])
    model.set_weights([fixed(w.shape, 3.0 + i) for i, w in enumerate(model.get_weights())])
    return model


def python_trained(example):
    """A spec's model (examples/), trained two steps in Python with the spec's loss and optimizer."""
    spec = spec_model(example)
    model, _, _ = build_model(spec["model"])
    model.compile(loss=make_loss(spec["train"]["loss"]), optimizer=make_optimizer(spec["train"]["optimizer"]))
    x = fixed((N, *spec["model"]["input_shape"]), 1.0)
    y = labels(spec["train"]["loss"], model.outputs[0].shape[-1])
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return model, spec["train"]["loss"], x, y


CASES = {
    "csv_xy": lambda: python_trained("csv_xy.json"),
    "demo_shapes_cnn": lambda: python_trained("demo_shapes.json"),
    "every_layer": lambda: (every_layer_model(), "mse", fixed((N, 9, 9, 3), 1.0), fixed((N, 6), 2.0)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_python_model_predicts_and_trains_in_node(case, tmp_path):
    model, loss, x, y = CASES[case]()
    save_tfjs(model, tmp_path / "py_model")
    out = run_node(tmp_path, action="load", model_dir=str(tmp_path / "py_model"), save_dir=str(tmp_path / "node_model"),
                   x=write_array(tmp_path / "x.json", x), y=write_array(tmp_path / "y.json", y), loss=loss)
    assert out["names"] == [layer.name for layer in model.layers]
    for got, want in zip(out["before"], model.get_weights()):  # Node read the exact bits
        np.testing.assert_array_equal(as_f32(got, want).view(np.uint32), want.view(np.uint32))
    assert_close_1e6(out["pred"], model.predict(x, verbose=0))
    changed = [not np.array_equal(a, b) for a, b in zip(out["before"], out["after"])]
    assert any(changed), "Node's training changed no weight"
    # What Node trained comes back to Python bit for bit and predicts what Node predicts.
    back = load_tfjs(tmp_path / "node_model")
    for got, want in zip(out["after"], back.get_weights()):
        np.testing.assert_array_equal(as_f32(got, want), want)
    assert_close_1e6(out["pred_after"], back.predict(x, verbose=0))
    if case != "every_layer":  # (Dropout draws differ by language) the same two SGD steps in Keras
        keras_model = load_tfjs(tmp_path / "py_model")
        keras_model.compile(loss=make_loss(loss), optimizer=keras.optimizers.SGD(learning_rate=LR))
        keras_model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        for got, want in zip(out["after"], keras_model.get_weights()):
            np.testing.assert_allclose(as_f32(got, want), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("example", ["csv_xy.json", "demo_shapes.json"])
def test_node_model_loads_in_python(example, tmp_path):
    spec = spec_model(example)
    x = fixed((N, *spec["model"]["input_shape"]), 1.0)
    out_units = spec["model"]["layers"][-1]["units"]
    out = run_node(tmp_path, action="build", spec_model=spec["model"], save_dir=str(tmp_path / "node_model"),
                   x=write_array(tmp_path / "x.json", x),
                   y=write_array(tmp_path / "y.json", labels(spec["train"]["loss"], out_units)),
                   loss=spec["train"]["loss"])
    assert sorted(os.listdir(tmp_path / "node_model")) == ["model.json", "weights.bin"]  # tfjs's own save
    model = load_tfjs(tmp_path / "node_model")
    assert isinstance(model, keras.Sequential)
    assert len(model.layers) == len(spec["model"]["layers"])
    for got, want in zip(out["weights"], model.get_weights()):
        np.testing.assert_array_equal(as_f32(got, want), want)
    assert_close_1e6(out["pred"], model.predict(x, verbose=0))
    # and it is a whole Keras 3 model: it saves and loads in Keras's own format.
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
