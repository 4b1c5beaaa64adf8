#!/usr/bin/env node
// node js/train.mjs SPEC [--epochs N] [--history PATH] [--quiet]   (SPEC.md §8)
import { main } from './src/cli/train.mjs';
import { runMain } from './src/cli/common.mjs';

runMain(() => main(process.argv.slice(2)));
