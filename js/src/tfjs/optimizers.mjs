// Optimizers with Keras 3's update formulas, op for op (SPEC.md §5.5), so a
// step in Node runs the same float32 TF kernels in the same order as a step
// in Python: tfjs's own Adam divides bias-corrected moments (m̂/(√v̂+ε)),
// its momentum SGD accumulates gradients and its RMSprop puts ε outside the
// square root, each a different rounding of the same mathematics (Adam
// differs from Keras by ~1e-4 after 50 steps; these agree to ~1e-7).
// Python twin: Keras's own SGD / Adam / RMSprop (python/streamfit/tf/model.py).

import { rangeError } from '../errors.mjs';

/** SPEC.md §5.5: every optimizer parameter and its default (Keras's). */
export const OPTIMIZER_DEFAULTS = {
  sgd: { momentum: 0 },
  adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
  rmsprop: { rho: 0.9, momentum: 0, epsilon: 1e-7 },
};

const UNIT = ['in [0, 1)', (v) => v >= 0 && v < 1];
const POSITIVE = ['> 0', (v) => v > 0];
const RANGES = { learning_rate: POSITIVE, epsilon: POSITIVE, momentum: UNIT, beta_1: UNIT, beta_2: UNIT, rho: UNIT };

/**
 * spec.train.optimizer with defaults filled in and ranges checked (SF_ARG naming the key).
 * @example optimizerParams({ type: 'adam', learning_rate: 0.01 }).beta_2 // 0.999
 * @param {{type: string, learning_rate: number, [k: string]: any}} opt
 * @returns {{type: 'sgd'|'adam'|'rmsprop', learning_rate: number, [k: string]: any}}
 */
export function optimizerParams(opt) {
  const defaults = OPTIMIZER_DEFAULTS[opt.type];
  if (defaults === undefined) throw rangeError('SF_ARG', `train.optimizer.type must be one of ${Object.keys(OPTIMIZER_DEFAULTS).join(', ')}, got ${JSON.stringify(opt.type)}`);
  const params = { type: opt.type, learning_rate: opt.learning_rate };
  for (const [k, v] of Object.entries(defaults)) params[k] = opt[k] ?? v;
  for (const [k, v] of Object.entries(params)) {
    if (k === 'type') continue;
    const [text, ok] = RANGES[k];
    if (typeof v !== 'number' || !ok(v)) throw rangeError('SF_ARG', `train.optimizer.${k} must be ${text}, got ${v}`);
  }
  return params;
}

/**
 * The tfjs optimizer for spec.train.optimizer, with Keras's formulas.
 * @example const opt = kerasOptimizer(tf, { type: 'adam', learning_rate: 0.001 });
 * model.compile({ optimizer: opt, loss });
 * @param {any} tf the loaded tfjs-node module
 * @param {{type: 'sgd'|'adam'|'rmsprop', learning_rate: number, [k: string]: any}} opt a checked spec.train.optimizer
 * @returns {any} a tf.Optimizer
 */
export function kerasOptimizer(tf, opt) {
  const classes = optimizerClasses(tf);
  const p = optimizerParams(opt);
  if (p.type === 'sgd') return new classes.SGD(p.learning_rate, p.momentum);
  if (p.type === 'adam') return new classes.Adam(p.learning_rate, p.beta_1, p.beta_2, p.epsilon);
  return new classes.RMSprop(p.learning_rate, p.rho, p.momentum, p.epsilon);
}

let made = null;

function optimizerClasses(tf) {
  if (made !== null && made.tf === tf) return made.classes;

  /** Per-variable slots (zeros like the variable), in the order variables first get a gradient. */
  class KerasFormula extends tf.Optimizer {
    constructor(learningRate, slotNames) {
      super();
      this.learningRate = learningRate;
      this.slotNames = slotNames;
      /** @type {{name: string, slots: any[]}[]} */
      this.vars = [];
      /** steps applied (Keras's `iterations`) */
      this.steps = 0;
    }

    slotsFor(name, value) {
      let entry = this.vars.find((v) => v.name === name);
      if (entry === undefined) {
        entry = { name, slots: this.slotNames.map(() => tf.tidy(() => tf.zerosLike(value).variable(false))) };
        this.vars.push(entry);
      }
      return entry.slots;
    }

    applyGradients(variableGradients) {
      const pairs = Array.isArray(variableGradients)
        ? variableGradients.map((v) => [v.name, v.tensor])
        : Object.entries(variableGradients);
      tf.tidy(() => {
        const lr = tf.scalar(this.learningRate, 'float32');
        const shared = this.beforeStep(lr);
        for (const [name, gradient] of pairs) {
          if (gradient == null) continue;
          const value = tf.engine().registeredVariables[name];
          this.update(value, gradient, lr, shared, this.slotsFor(name, value));
        }
      });
      this.steps += 1;
      this.incrementIterations();
    }

    /** Values every variable's update shares this step (Keras recomputes them per variable: same numbers). */
    beforeStep() {
      return null;
    }

    async getWeights() {
      const slots = this.slotNames.flatMap((slot, k) => this.vars.map((v) => ({ name: `${v.name}/${slot}`, tensor: v.slots[k] })));
      return [{ name: 'iter', tensor: tf.scalar(this.steps, 'int32') }, ...slots];
    }

    async setWeights(weightValues) {
      const [iter, ...slots] = weightValues;
      this.steps = (await iter.tensor.data())[0];
      this.iterations_ = this.steps;
      for (const v of this.vars) v.slots.forEach((s) => s.dispose());
      const per = this.slotNames.length;
      const count = slots.length / per;
      this.vars = [];
      for (let i = 0; i < count; i++) {
        const name = slots[i].name.slice(0, slots[i].name.lastIndexOf('/'));
        this.vars.push({ name, slots: this.slotNames.map((_, k) => slots[k * count + i].tensor.variable(false)) });
      }
    }

    dispose() {
      for (const v of this.vars) v.slots.forEach((s) => s.dispose());
      this.vars = [];
    }

    getConfig() {
      return { learningRate: this.learningRate };
    }
  }

  class SGD extends KerasFormula {
    static get className() {
      return 'KerasSGD';
    }

    constructor(learningRate, momentum) {
      super(learningRate, momentum !== 0 ? ['momentum'] : []);
      this.momentum = momentum;
    }

    update(value, g, lr, _shared, slots) {
      if (this.momentum === 0) {
        value.assign(tf.sub(value, tf.mul(g, lr))); // w -= g*lr
        return;
      }
      const [m] = slots;
      m.assign(tf.sub(tf.mul(m, tf.scalar(this.momentum, 'float32')), tf.mul(g, lr))); // m = m*mu - g*lr
      value.assign(tf.add(value, m)); // w += m
    }
  }

  class Adam extends KerasFormula {
    static get className() {
      return 'KerasAdam';
    }

    constructor(learningRate, beta1, beta2, epsilon) {
      super(learningRate, ['m', 'v']);
      Object.assign(this, { beta1, beta2, epsilon });
    }

    beforeStep(lr) {
      const t = tf.scalar(this.steps + 1, 'float32');
      const b1p = tf.pow(tf.scalar(this.beta1, 'float32'), t);
      const b2p = tf.pow(tf.scalar(this.beta2, 'float32'), t);
      const one = tf.scalar(1, 'float32');
      return tf.div(tf.mul(lr, tf.sqrt(tf.sub(one, b2p))), tf.sub(one, b1p)); // alpha = lr*sqrt(1-b2^t)/(1-b1^t)
    }

    update(value, g, _lr, alpha, [m, v]) {
      m.assign(tf.add(m, tf.mul(tf.sub(g, m), tf.scalar(1 - this.beta1, 'float32')))); // m += (g-m)*(1-b1)
      v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), tf.scalar(1 - this.beta2, 'float32')))); // v += (g²-v)*(1-b2)
      const step = tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), tf.scalar(this.epsilon, 'float32')));
      value.assign(tf.sub(value, step)); // w -= m*alpha/(sqrt(v)+eps)
    }
  }

  class RMSprop extends KerasFormula {
    static get className() {
      return 'KerasRMSprop';
    }

    constructor(learningRate, rho, momentum, epsilon) {
      super(learningRate, momentum > 0 ? ['velocity', 'momentum'] : ['velocity']);
      Object.assign(this, { rho, momentum, epsilon });
    }

    update(value, g, lr, _shared, [velocity, momentum]) {
      const rho = tf.scalar(this.rho, 'float32');
      velocity.assign(tf.add(tf.mul(rho, velocity), tf.mul(tf.scalar(1 - this.rho, 'float32'), tf.square(g)))); // v = rho*v + (1-rho)*g²
      const increment = tf.div(tf.mul(lr, g), tf.sqrt(tf.add(velocity, tf.scalar(this.epsilon, 'float32')))); // lr*g/sqrt(v+eps)
      if (this.momentum > 0) {
        momentum.assign(tf.add(tf.mul(tf.scalar(this.momentum, 'float32'), momentum), increment)); // mom = mu*mom + inc
        value.assign(tf.sub(value, momentum));
      } else {
        value.assign(tf.sub(value, increment));
      }
    }
  }

  made = { tf, classes: { SGD, Adam, RMSprop } };
  return made.classes;
}
