#!/usr/bin/env node
// node js/pack.mjs SPEC OUT_DIR [--shard-mb M] [--variable F ...] [--quiet]   (SPEC.md §9.1)
import { main } from './src/cli/pack.mjs';
import { runMain } from './src/cli/common.mjs';

runMain(() => main(process.argv.slice(2)));
