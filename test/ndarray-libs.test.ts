// scijs `ndarray` and `@stdlib/ndarray` objects passed as they are: the
// expected answer comes from a C-order copy made through the library's own
// `get`, so it checks that we read their strides and offsets as they do.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { argmax, argmin, max, min, minmax, sum } from '../src/index';
import type { Reduction } from '../src/index';
import type { NumericArray } from '../src/spec/dtypes';
import { reference } from './oracle';
import { DTYPES, axesFor, fillValues, sameResult } from './nd-cases';

const ndarray = require('ndarray') as (data: unknown, shape?: number[], stride?: number[], offset?: number) => Lib;
const stdArray = require('@stdlib/ndarray/array') as (data: unknown, options: { shape: number[] }) => Lib;
const stdCtor = require('@stdlib/ndarray/ctor') as new (dtype: string, buffer: unknown, shape: number[], strides: number[], offset: number, order: string) => Lib;
const stdSlice = require('@stdlib/ndarray/slice') as (x: Lib, s: unknown) => Lib;
const stdTranspose = require('@stdlib/ndarray/transpose') as (x: Lib) => Lib;
const Slice = require('@stdlib/slice/ctor') as new (start: number | null, stop: number | null, step?: number) => unknown;
const MultiSlice = require('@stdlib/slice/multi') as new (...s: unknown[]) => unknown;

interface Lib {
  data: NumericArray;
  shape: number[];
  get(...idx: number[]): number | bigint;
  transpose(...axes: number[]): Lib;
  step(...steps: number[]): Lib;
  hi(...n: number[]): Lib;
  lo(...n: number[]): Lib;
}

const API: Record<Reduction, (x: never, o?: never) => unknown> = { min, max, sum, argmin, argmax, minmax } as never;

/** A C-order copy of `x`, read element by element through `x.get`. */
function materialise(x: Lib, ctor: new (n: number) => NumericArray): { data: NumericArray; shape: number[] } {
  const shape = [...x.shape];
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new ctor(n) as unknown as { [i: number]: number | bigint };
  for (let flat = 0; flat < n; flat++) {
    const idx: number[] = [];
    let rest = flat;
    for (let k = shape.length - 1; k >= 0; k--) {
      idx.unshift(rest % shape[k]);
      rest = Math.floor(rest / shape[k]);
    }
    out[flat] = x.get(...idx);
  }
  return { data: out as unknown as NumericArray, shape };
}

function check(name: string, x: Lib): void {
  const ctor = x.data.constructor as new (n: number) => NumericArray;
  const copy = materialise(x, ctor);
  for (const axis of axesFor(x.shape.length)) {
    for (const op of Object.keys(API) as Reduction[]) {
      const where = `${name} ${op} axis ${JSON.stringify(axis)}`;
      let want: unknown;
      try {
        want = reference(op, copy, { axis });
      } catch (e) {
        assert.throws(() => API[op](x as never, { axis } as never), { message: (e as Error).message }, where);
        continue;
      }
      sameResult(API[op](x as never, { axis } as never), want, where, op === 'sum');
    }
  }
}

for (const dtype of DTYPES) {
  test(`scijs ndarray, ${dtype.name}: C, transposed, reversed and sliced views`, () => {
    const a = ndarray(fillValues(dtype, 60, 3), [3, 4, 5]);
    check('C 3x4x5', a);
    check('transposed (2, 0, 1)', a.transpose(2, 0, 1));
    check('reversed and stepped', a.step(-1, 1, 2));
    check('sliced', a.hi(3, 3, 4).lo(1, 1, 1));
    check('4-D', ndarray(fillValues(dtype, 120, 4), [2, 3, 4, 5]));
    // Its objects always carry stride and offset, so a view of a prefix is meant.
    check('C 3x4x5 over the first 60 of 70 elements', ndarray(fillValues(dtype, 70, 5), [3, 4, 5]));
  });
}

// @stdlib/ndarray has no 64-bit integer dtypes; its dtype names are ours.
for (const dtype of DTYPES.filter((d) => !d.big)) {
  test(`@stdlib/ndarray, ${dtype.name}: array(), ctor with negative strides, slice, transpose`, () => {
    const a = stdArray(fillValues(dtype, 60, 8), { shape: [3, 4, 5] });
    check('array() 3x4x5', a);
    check('ctor, negative strides and an offset', new stdCtor(dtype.name, fillValues(dtype, 60, 2), [3, 4, 5], [-20, 5, -1], 44, 'row-major'));
    check('slice with a negative step', stdSlice(a, new MultiSlice(null, new Slice(null, null, -1), new Slice(1, 5, 2))));
    check('ctor over the first 60 of 70 elements', new stdCtor(dtype.name, fillValues(dtype, 70, 6), [3, 4, 5], [20, 5, 1], 0, 'row-major'));
    check('transposed matrix', stdTranspose(stdArray(fillValues(dtype, 24, 5), { shape: [4, 6] })));
  });
}
