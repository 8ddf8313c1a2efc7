// Run by leak.test.ts under --expose-gc: calls max and maxAsync many times
// and prints RSS and external memory after each phase, once collected.
import * as assert from 'node:assert/strict';

import { max, maxAsync } from '../src/index';
import { articleArray } from '../bench/data';

const gc = (globalThis as { gc?: () => void }).gc;
assert.ok(gc, 'run with --expose-gc');

async function settle(): Promise<{ rss: number; external: number }> {
  for (let i = 0; i < 5; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external + m.arrayBuffers };
}

async function phase(small: number, large: number): Promise<void> {
  const tiny = { data: new BigInt64Array(64).map((_, i) => BigInt(i * 31 % 17)), shape: [8, 8] };
  for (let i = 0; i < small; i++) {
    max(tiny, { axis: 0 });
    await maxAsync(tiny, { axis: 0 });
  }
  const big = articleArray(100, 100_000, 7);
  for (let i = 0; i < large; i++) {
    max(big, { axis: 0 });
    await maxAsync(big, { axis: 0 });
  }
}

async function main(): Promise<void> {
  // The first rounds warm up pools, JIT and allocator arenas.
  await phase(10_000, 50);
  const first = await settle();
  await phase(10_000, 50);
  const second = await settle();
  await phase(10_000, 50);
  const third = await settle();
  process.stdout.write(JSON.stringify({ first, second, third }));
}

void main();
