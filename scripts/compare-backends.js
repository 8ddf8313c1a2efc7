#!/usr/bin/env node
// Times every backend and strategy on the article's array (100 x 1,000,000
// int64) and its transposed view, against the BigInt reference loop.
// Usage: npm run build:ts && node scripts/compare-backends.js [reps]
// Prints a Markdown table: the fastest (and, in brackets, the median) of
// `reps` runs after one warm-up run, in ms; every result is checked against
// the reference. The fastest is the run least disturbed by other load.
'use strict';
const os = require('node:os');
const { max, transpose, referenceMax, wasmCopy } = require('../dist/src/index.js');
const { checkView } = require('../dist/src/validate.js');
const { articleArray } = require('../dist/bench/data.js');

const reps = Number(process.argv[2] ?? 5);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
function timed(f) {
  let result = f();
  const times = [];
  for (let k = 0; k < reps; k++) {
    const t0 = process.hrtime.bigint();
    result = f();
    times.push(ms(t0));
  }
  times.sort((a, b) => a - b);
  return [[times[0], times[times.length >> 1]], result];
}
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

const arr = articleArray(100, 1_000_000, 42);
const shared = { data: new BigInt64Array(new SharedArrayBuffer(arr.data.length * 8)), shape: arr.shape };
shared.data.set(arr.data);
/** label -> view -> [fastest, median] (median absent for single runs). */
const results = new Map();
const row = (view, what, [fastest, median], ok = true) => {
  if (!ok) throw new Error(`${what} on ${view} differs from the reference`);
  if (!results.has(what)) results.set(what, {});
  results.get(what)[view] = [fastest, median];
};

for (const [name, x, xs] of [['arr', arr, shared], ['arr.T', transpose(arr), transpose(shared)]]) {
  const t0 = process.hrtime.bigint();
  const expected = referenceMax(checkView(x), 0);
  row(name, 'reference (BigInt loop, one run)', [ms(t0)]);
  for (const backend of ['native', 'js', 'wasm']) {
    for (const strategy of ['auto', 'serial', 'mutex', 'lockfree']) {
      const [t, r] = timed(() => max(x, { backend, strategy }));
      row(name, `${backend} ${strategy}${backend === 'wasm' ? ' (copy in + kernel)' : ''}`, t, same(r, expected));
    }
  }
  for (const strategy of ['mutex', 'lockfree']) {
    const [t, r] = timed(() => max(xs, { backend: 'js', strategy }));
    row(name, `js ${strategy}, input already on a SharedArrayBuffer`, t, same(r, expected));
  }
  const [tc] = timed(() => wasmCopy(x).free());
  row(name, 'wasmCopy alone (the copy into wasm memory)', tc);
  const w = wasmCopy(x);
  for (const strategy of ['auto', 'serial']) {
    const [t, r] = timed(() => max(w, { backend: 'wasm', strategy }));
    row(name, `wasm ${strategy}, array already in wasm memory`, t, same(r, expected));
  }
  w.free();
}
console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} threads available, Node ${process.version}; fastest (median) of ${reps} runs, ms\n`);
const cell = (r) => (r ? `${r[0].toFixed(0)}${r[1] === undefined ? '' : ` (${r[1].toFixed(0)})`}` : '');
console.log('| backend / strategy | `arr` | `arr.T` |\n| --- | ---: | ---: |');
for (const [what, byView] of results) console.log(`| ${what} | ${cell(byView.arr)} | ${cell(byView['arr.T'])} |`);
const ref = results.get('reference (BigInt loop, one run)');
for (const what of ['js auto', 'wasm auto (copy in + kernel)']) {
  const r = results.get(what);
  console.log(`\n${what}: ${(ref.arr[0] / r.arr[0]).toFixed(1)}x (arr) and ${(ref['arr.T'][0] / r['arr.T'][0]).toFixed(1)}x (arr.T) faster than the reference loop`);
}
