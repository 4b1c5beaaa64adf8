// Shared helpers of the command-line tools (SPEC.md §8).
import { parseArgs } from 'node:util';

// What argparse (the Python CLI) takes as a negative number rather than as an
// option: `--batches -1` is a value there, so it must be one here too, and
// then fail as an out-of-range value (exit 1), not as bad usage (exit 2).
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** argv with `--name -1` written `--name=-1` for the string options, which parseArgs takes as a value. */
function joinNegativeValues(argv, options) {
  const out = [];
  for (let k = 0; k < argv.length; k++) {
    const name = argv[k].startsWith('--') ? argv[k].slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && k + 1 < argv.length && NEGATIVE_NUMBER.test(argv[k + 1])) {
      out.push(`${argv[k]}=${argv[k + 1]}`);
      k++;
    } else {
      out.push(argv[k]);
    }
  }
  return out;
}

/**
 * Parses argv for a CLI with one positional SPEC argument.
 * @example parseCli(['spec.json', '--batches', '3'], { batches: { type: 'string' } }, USAGE)
 * @returns {{spec: string, values: Record<string, string|boolean|undefined>}}
 */
export function parseCli(argv, options, usage) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (err) {
    fail(`${err.message}\n${usage}`, 2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (parsed.positionals.length !== 1) fail(`expected exactly one SPEC argument\n${usage}`, 2);
  return { spec: parsed.positionals[0], values: parsed.values };
}

/**
 * Parses an integer option as Python's int() does for argparse (sign, ASCII
 * digits, `_` between digits, blanks around). Text that is no integer is bad
 * usage (exit 2); the range of the value is checked where it is used, as an
 * SF_ARG error (exit 1), the same split as the Python CLI's.
 * @example intOption('-1', '--batches', 5, USAGE) // -1
 */
export function intOption(value, name, fallback, usage) {
  if (value === undefined) return fallback;
  if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(value)) fail(`${name}: invalid int value ${JSON.stringify(value)}\n${usage}`, 2);
  return Number(value.trim().replace(/_/g, ''));
}

/** Prints a message to stderr and exits. */
export function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Runs main(), printing a coded error as "error SF_X: message" with exit status 1. */
export function runMain(main) {
  main().catch((err) => {
    if (err && typeof err.code === 'string' && err.code.startsWith('SF_')) fail(`error ${err.code}: ${err.message}`, 1);
    fail(err && err.stack ? err.stack : String(err), 1);
  });
}
