#!/usr/bin/env node
// node js/inspect.mjs SPEC [--batches N] [--epoch E] [--json]   (SPEC.md §8)
import { main } from './src/cli/inspect.mjs';
import { runMain } from './src/cli/common.mjs';

runMain(() => main(process.argv.slice(2)));
