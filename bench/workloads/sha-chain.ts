// The thread-pool rows' main kernel, and a task module for every pool in them: a chain of
// native SHA-256 hashes over a 4 KB block (each digest written back into the block). The work
// is node:crypto's C++, so its speed does not depend on which thread's JIT compiled the caller:
// a pool's throughput can be read against the same kernel on the main thread and in plain worker
// loops (the ceiling). Two grains: ~2 ms and ~0.2 ms a task on the 2-core machine.
import { createHash } from 'node:crypto';

/** One task: which block, and how many hashes in the chain. */
export interface ShaJob {
  seed: number;
  rounds: number;
}

const block = Buffer.alloc(4096);

/** The hex digest at the end of the chain. */
export function shaChain({ seed, rounds }: ShaJob): string {
  block.fill(seed & 255);
  block.writeUInt32LE(seed >>> 0, 0);
  let digest = Buffer.alloc(32);
  for (let i = 0; i < rounds; i++) {
    digest = createHash('sha256').update(block).digest();
    digest.copy(block, 0);
  }
  return digest.toString('hex');
}

/** The jobs of one row: `count` tasks of `rounds` hashes. */
export function shaJobs(count: number, rounds: number): ShaJob[] {
  return Array.from({ length: count }, (_, i) => ({ seed: i + 1, rounds }));
}

/** A chunk of jobs in one call: how a pool without chunks of its own is handed several at once. */
export function shaChunk(jobs: ShaJob[]): string[] {
  return jobs.map(shaChain);
}

export default shaChain;
