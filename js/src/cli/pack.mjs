// `node js/pack.mjs SPEC OUT_DIR [--shard-mb M] [--variable F ...] [--quiet]` (SPEC.md §9.1).
import { packSpecFile } from '../pack/from_spec.mjs';
import { rangeError } from '../errors.mjs';
import { fail } from './common.mjs';

const USAGE = 'usage: node js/pack.mjs SPEC OUT_DIR [--shard-mb M] [--variable F ...] [--quiet]';

// A decimal number as Python's float() reads it for argparse (the Python CLI's --shard-mb).
const DECIMAL = /^\s*[+-]?(?:(?:\d+(?:_\d+)*)(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?\s*$|^\s*[+-]?(?:inf|infinity|nan)\s*$/i;

/**
 * Parses the pack CLI's arguments: --variable takes every following argument
 * up to the next option, as argparse's nargs="+" does.
 * @example parseArgv(['s.json', 'out', '--variable', '0', '1', '--quiet']) // {spec, out, variable: ['0', '1'], quiet: true, shardMb: undefined}
 */
export function parseArgv(argv) {
  const positional = [];
  const out = { shardMb: undefined, variable: null, quiet: false };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a === '--quiet') {
      out.quiet = true;
    } else if (a === '--shard-mb' || a.startsWith('--shard-mb=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++k];
      if (v === undefined || !DECIMAL.test(v)) fail(`argument --shard-mb: invalid float value: ${JSON.stringify(v ?? '')}\n${USAGE}`, 2);
      out.shardMb = Number(v.trim().replace(/_/g, '').replace(/^([+-]?)inf(inity)?$/i, '$1Infinity').replace(/^[+-]?nan$/i, 'NaN'));
    } else if (a === '--variable') {
      const names = [];
      while (k + 1 < argv.length && !argv[k + 1].startsWith('--')) names.push(argv[++k]);
      if (names.length === 0) fail(`argument --variable: expected at least one argument\n${USAGE}`, 2);
      out.variable = [...(out.variable ?? []), ...names];
    } else if (a.startsWith('-') && a !== '-') {
      fail(`unrecognized arguments: ${a}\n${USAGE}`, 2);
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 2) fail(`expected SPEC and OUT_DIR\n${USAGE}`, 2);
  return { spec: positional[0], out: positional[1], ...out };
}

/** JSON as Python's json.dumps(separators=(', ', ': ')) writes it: what both CLIs print. */
function listed(value) {
  if (Array.isArray(value)) return `[${value.map(listed).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).map((k) => `${JSON.stringify(k)}: ${listed(value[k])}`).join(', ')}}`;
  return JSON.stringify(value);
}

export async function main(argv) {
  const args = parseArgv(argv);
  const mb = args.shardMb ?? 128;
  // M MiB in whole bytes: floor(M * 2^20), at least 1 (SPEC.md §9.1)
  const shardBytes = Number.isFinite(mb) ? Math.floor(mb * 2 ** 20) : 0;
  if (!(shardBytes >= 1)) throw rangeError('SF_ARG', `--shard-mb must be a positive number of MiB, got ${args.shardMb}`);
  const { index, left, summary } = await packSpecFile(args.spec, args.out, { shardBytes, variable: args.variable ?? [], progress: !args.quiet });
  const n = index.shards.length;
  process.stdout.write(`packed    ${summary}: ${index.records} records in ${n} shard${n === 1 ? '' : 's'} -> ${args.out}\n`);
  if (left.length > 0) {
    process.stdout.write(`left      ${left.length} op${left.length === 1 ? '' : 's'} for reading (apply them after {"type": "packed"}): ${listed(left)}\n`);
  }
}
