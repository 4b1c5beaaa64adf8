// Seed validation and drawing. SPEC.md §1.3.
import { randomBytes } from 'node:crypto';
import { rangeError, typeError, describe } from '../errors.mjs';

const TWO32 = 4294967296;

/**
 * Returns `seed` if it is an integer in [0, 2^32), else throws SF_SEED.
 * @param {unknown} seed
 * @param {string} where e.g. "shuffle(seed)"
 */
export function checkSeed(seed, where) {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw typeError('SF_SEED', `${where} must be an integer in [0, 2^32), got ${describe(seed)}; pass e.g. seed: 7`);
  }
  if (seed < 0 || seed >= TWO32) {
    throw rangeError('SF_SEED', `${where} must be an integer in [0, 2^32), got ${seed}`);
  }
  return seed;
}

/** Draws a seed from the OS: 4 random bytes read as a little-endian u32. */
export function drawSeed() {
  return randomBytes(4).readUInt32LE(0);
}

/**
 * Resolves an optional seed: validates a given one, draws a missing one.
 * @returns {{seed: number, drawn: boolean}}
 */
export function resolveSeed(seed, where) {
  if (seed === undefined || seed === null) return { seed: drawSeed(), drawn: true };
  return { seed: checkSeed(seed, where), drawn: false };
}
