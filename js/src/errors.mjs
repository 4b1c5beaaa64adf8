// Error construction shared by every module. SPEC.md §6.
// Errors are built-in types (RangeError / TypeError / Error) carrying a `code`
// string, so a cross-language test can assert the same failure on both sides.

/** Every error code of SPEC.md §6, frozen. */
export const ERROR_CODES = Object.freeze([
  'SF_SPEC',
  'SF_ARG',
  'SF_SEED',
  'SF_FILE_NOT_FOUND',
  'SF_CSV_EMPTY_LINE',
  'SF_CSV_COLUMNS',
  'SF_CSV_NUMBER',
  'SF_CSV_HEADER',
  'SF_IMAGE_LABEL',
  'SF_IMAGE_DECODE',
  'SF_LAYOUT',
  'SF_PAIR_MISSING',
  'SF_EMPTY_SOURCE',
  'SF_SHUFFLE_BUFFER',
  'SF_PACK_FORMAT',
  'SF_PACK_CHECKSUM',
  'SF_PACK_SHAPE',
  'SF_BATCH_SHAPE',
  'SF_BACKUP',
  'SF_DEPENDENCY',
  'SF_TRAINER',
]);

const KNOWN = new Set(ERROR_CODES);

function make(Ctor, code, message, cause) {
  // Internal invariant: callers only pass codes from the table.
  if (!KNOWN.has(code)) throw new Error(`internal: unknown error code ${code}`);
  const err = cause === undefined ? new Ctor(message) : new Ctor(message, { cause });
  err.code = code;
  return err;
}

/** A value out of range (Python ValueError). */
export function rangeError(code, message, cause) {
  return make(RangeError, code, message, cause);
}

/** A value of the wrong type (Python TypeError). */
export function typeError(code, message, cause) {
  return make(TypeError, code, message, cause);
}

/** Anything else: missing file, missing dependency, bad image bytes. */
export function plainError(code, message, cause) {
  return make(Error, code, message, cause);
}

/**
 * Checks an integer argument and returns it.
 * @param {string} where e.g. "batch(batchSize)"
 */
export function checkInt(value, where, min, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw typeError('SF_ARG', `${where} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw rangeError('SF_ARG', `${where} must be an integer ${range}, got ${value}`);
  }
  return value;
}

/** Short printable form of a value for messages. */
export function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Throws SF_ARG for an option name that `allowed` does not list: a misspelt
 * option (or a spec file's snake_case name) must not silently fall back to a
 * default and change the data. Python gets this from keyword arguments.
 * @example checkKeys({ lable: 'y' }, ['label', 'features'], 'csv') // throws, naming "lable"
 */
export function checkKeys(options, allowed, where) {
  if (options === null || options === undefined || typeof options !== 'object') return;
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const camel = key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
    const hint = allowed.includes(camel) ? `; did you mean ${camel}?` : '';
    throw typeError('SF_ARG', `${where}: unknown option ${describe(key)}${hint} (known: ${allowed.join(', ')})`);
  }
}
