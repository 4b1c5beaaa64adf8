// Shared helpers of the command-line tools (SPEC.md §8).
import { parseArgs } from 'node:util';

/**
 * Parses argv for a CLI with one positional SPEC argument.
 * @returns {{spec: string, values: Record<string, string|boolean|undefined>}}
 */
export function parseCli(argv, options, usage) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
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

/** Parses a non-negative integer option. */
export function intOption(value, name, fallback, usage) {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(`${name} must be a non-negative integer, got ${JSON.stringify(value)}\n${usage}`, 2);
  return Number(value);
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
