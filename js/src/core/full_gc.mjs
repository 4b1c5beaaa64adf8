// A full garbage collection on request, for the few places that know a large
// amount of garbage has just been made (a pack, after each shard's records).
//
// V8 frees an array's memory only when a collection finds it dead. Arrays that
// outlive two young collections wait for a full one, which V8 starts when the
// memory they hold has grown ~64 MB, and sometimes later: in the memory proof a
// 10x pack, run for 20 s, peaked 10-15% over the 1x pack (2 s) in some runs
// and not others, as such waits came or did not (BENCHMARKS.md). A collection
// per shard (per 32 MiB of small shards) bounds the garbage to that at any length.
//
// node --expose-gc gives globalThis.gc; otherwise the flag is set for a moment
// to take the function from a new context (node:vm), as jest's leak detector
// does, and unset again: the program's own global object is not changed.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect = null;

/**
 * Runs a full, synchronous garbage collection (a few ms for a small heap).
 * @example fullGc();
 */
export function fullGc() {
  if (collect === null) {
    if (typeof globalThis.gc === 'function') {
      collect = globalThis.gc;
    } else {
      v8.setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc');
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  collect();
}
