// The table of bad inputs, shared by the sync and async tests: each row
// names the error class, its code and the gist of its message.
import * as assert from 'node:assert/strict';
export const d6 = () => new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]);
export const ok = { data: d6(), shape: [2, 3] };

function detached(): BigInt64Array {
  const a = new BigInt64Array(6);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

export type Row = [name: string, x: unknown, options: unknown, error: typeof TypeError | typeof RangeError, code: string, message: RegExp];

const throwing = {
  get data(): BigInt64Array {
    throw new Error('boom');
  },
  shape: [2, 3],
};
const trap = new Proxy({}, { get() { throw new Error('trap'); } });
const SERIAL = { strategy: 'serial' };
const ARRAY = 'ERR_NDREDUCE_BAD_ARRAY';
const OPTION = 'ERR_NDREDUCE_BAD_OPTION';
const INTEGER = 'ERR_NDREDUCE_NOT_INTEGER';
const NEGATIVE = 'ERR_NDREDUCE_NEGATIVE';
const BOUNDS = 'ERR_NDREDUCE_OUT_OF_BOUNDS';

export const BAD_INPUTS: Row[] = [
  ['x undefined', undefined, undefined, TypeError, ARRAY, /x must be an object \{ data, shape \}.*got undefined/],
  ['x null', null, undefined, TypeError, ARRAY, /x must be an object.*null/],
  ['x a number', 42, undefined, TypeError, ARRAY, /x must be an object.*42/],
  ['x a string', 'abc', undefined, TypeError, ARRAY, /x must be an object/],
  ['x a ragged list', [[1, 2], [3]], undefined, TypeError, ARRAY, /^x\[1\] has 1 entry where x\[0\] has 2: a ragged list$/],
  ['x a list beside a number', [[1, 2], 3], undefined, TypeError, ARRAY, /^x\[1\] is 3 where a list is expected \(x\[0\] is a list\): a ragged list$/],
  ['x a number beside a list', [1, [2]], undefined, TypeError, ARRAY, /^x\[1\] is a list where numbers are expected \(x\[0\] is a number\): a ragged list$/],
  ['x a list with a hole', [1, , 3], undefined, TypeError, ARRAY, /x\[1\] is a hole/],
  ['x numbers and bigints', [1, 2n], undefined, TypeError, ARRAY, /x\[1\] is a bigint in a list of numbers/],
  ['x a bigint past int64', [2n ** 63n], undefined, RangeError, ARRAY, /x\[0\] 9223372036854775808n does not fit int64/],
  ['x a list of strings', ['1'], undefined, TypeError, ARRAY, /x\[0\] must be a number or a bigint, got "1"/],
  ['an option misspelt', d6(), { axes: 1 }, TypeError, 'ERR_NDREDUCE_UNKNOWN_OPTION', /^unknown option 'axes': did you mean 'axis'\?/],
  ['keepDims for keepdims', d6(), { keepDims: true }, TypeError, 'ERR_NDREDUCE_UNKNOWN_OPTION', /did you mean 'keepdims'\?/],
  ['out of the wrong class', ok, { axis: 0, out: new Float64Array(3) }, TypeError, OPTION, /options.out must be a BigInt64Array of length 3 for max(Async)? of this BigInt64Array, got a Float64Array of length 3/],
  ['out of the wrong length', ok, { axis: 0, out: new BigInt64Array(2) }, TypeError, OPTION, /options.out must be a BigInt64Array of length 3 .* got a BigInt64Array of length 2/],
  ['out not a typed array', d6(), { out: [0] }, TypeError, OPTION, /options.out must be a typed array, got an array of length 1/],
  ['ddof on max', d6(), { ddof: 1 }, TypeError, OPTION, /options.ddof applies to var, std/],
  ['initial past int64', ok, { axis: 0, initial: 2n ** 63n }, RangeError, OPTION, /options.initial 9223372036854775808n does not fit BigInt64Array/],
  ['data missing', { shape: [2, 3] }, undefined, TypeError, ARRAY, /x.data must be a numeric typed array .*got undefined/],
  ['data a plain array', { data: [1n, 2n], shape: [1, 2] }, undefined, TypeError, ARRAY, /x.data must be a numeric typed array.*got an array of length 2 \(make one: Float64Array.from\(list\)\)/],
  ['data a DataView', { data: new DataView(new ArrayBuffer(8)), shape: [1] }, undefined, TypeError, ARRAY, /got a DataView/],
  ['data a string', { data: 'abc', shape: [1, 3] }, undefined, TypeError, ARRAY, /x.data/],
  ['data getter throws', throwing, undefined, TypeError, ARRAY, /x.data could not be read: boom/],
  ['Proxy that throws', trap, undefined, TypeError, ARRAY, /could not be read: trap/],
  ['detached buffer', { data: detached(), shape: [2, 3] }, undefined, TypeError, ARRAY, /^x.shape \[2, 3\] needs 6 elements; x.data has 0$/],
  ['detached buffer under a view', { data: detached(), shape: [2, 3], offset: 0 }, undefined, RangeError, BOUNDS, /outside data \(length 0\)/],
  ['shape missing', { data: d6() }, undefined, TypeError, ARRAY, /x.shape must be a list of integers, got undefined/],
  ['shape a number', { data: d6(), shape: 6 }, undefined, TypeError, ARRAY, /x.shape must be a list of integers, got 6/],
  ['shape with a hole', { data: d6(), shape: [, 3] }, undefined, TypeError, ARRAY, /x.shape\[0\] is a hole/],
  ['shape of 65 entries', { data: d6(), shape: new Array(65).fill(1) }, undefined, RangeError, ARRAY, /x.shape has 65 entries, more than 64/],
  ['shape a Proxy of length 2^40', { data: d6(), shape: new Proxy([2, 3], { get: (t, k) => (k === 'length' ? 2 ** 40 : t[k as never]) }) }, undefined, RangeError, ARRAY, /x.shape has 1099511627776 entries, more than 64/],
  ['strategy on a 1-D array', { data: d6(), shape: [6] }, SERIAL, RangeError, OPTION, /options.strategy "serial" needs a 2-D array reduced along one axis, got a 1-D array/],
  ['strategy on a 3-D array', { data: d6(), shape: [1, 2, 3] }, SERIAL, RangeError, OPTION, /needs a 2-D array reduced along one axis, got a 3-D array/],
  ['strategy with every axis', ok, { strategy: 'lockfree', axis: null }, RangeError, OPTION, /reduced along axes \[0, 1\]/],
  ['shape fractional', { data: d6(), shape: [1.5, 2] }, undefined, TypeError, INTEGER, /x.shape\[0\] must be a safe integer, got 1.5/],
  ['shape NaN', { data: d6(), shape: [NaN, 2] }, undefined, TypeError, INTEGER, /x.shape\[0\].*NaN/],
  ['shape Infinity', { data: d6(), shape: [2, Infinity] }, undefined, TypeError, INTEGER, /x.shape\[1\].*Infinity/],
  ['shape negative', { data: d6(), shape: [-1, 2] }, undefined, RangeError, NEGATIVE, /x.shape\[0\] must be at least 0, got -1/],
  ['shape a BigInt', { data: d6(), shape: [2n, 3] }, undefined, TypeError, INTEGER, /x.shape\[0\].*2n/],
  ['shape a string', { data: d6(), shape: ['2', 3] }, undefined, TypeError, INTEGER, /x.shape\[0\].*"2"/],
  ['shape beyond 2^53', { data: d6(), shape: [2 ** 53, 1] }, undefined, TypeError, INTEGER, /x.shape\[0\] must be a safe integer/],
  ['shape product past 2^53', { data: d6(), shape: [2 ** 30, 2 ** 30] }, undefined, RangeError, 'ERR_NDREDUCE_SHAPE_OVERFLOW', /more than 2\^53 - 1 elements/],
  ['shape too big for data', { data: d6(), shape: [3, 3] }, undefined, TypeError, ARRAY, /^x.shape \[3, 3\] needs 9 elements; x.data has 6$/],
  ['shape too small for data', { data: d6(), shape: [2, 2] }, undefined, TypeError, ARRAY, /^x.shape \[2, 2\] needs 4 elements; x.data has 6$/],
  ['shape of one element for data of six', { data: d6(), shape: [1, 1] }, undefined, TypeError, ARRAY, /^x.shape \[1, 1\] needs 1 element; x.data has 6$/],
  ['empty shape for data', { data: d6(), shape: [0, 3] }, { axis: 1 }, TypeError, ARRAY, /^x.shape \[0, 3\] needs 0 elements; x.data has 6$/],
  ['shape with an offset past the end', { data: d6(), shape: [2, 3], offset: 1 }, undefined, RangeError, BOUNDS, /^x.shape \[2, 3\] with x.offset 1 reaches element 6, past the end of data \(length 6\)$/],
  ['strides of length 1', { data: d6(), shape: [2, 3], strides: [3] }, undefined, RangeError, ARRAY, /x.strides must have 2 entries/],
  ['strides with a hole', { data: d6(), shape: [2, 3], strides: new Array(2) }, undefined, TypeError, ARRAY, /x.strides\[0\] is a hole/],
  ['strides fractional', { data: d6(), shape: [2, 3], strides: [3, 0.5] }, undefined, TypeError, INTEGER, /x.strides\[1\].*0.5/],
  ['strides NaN', { data: d6(), shape: [2, 3], strides: [NaN, 1] }, undefined, TypeError, INTEGER, /x.strides\[0\].*NaN/],
  ['strides huge', { data: d6(), shape: [2, 3], strides: [2 ** 60, 1] }, undefined, TypeError, INTEGER, /x.strides\[0\]/],
  ['stride (scijs) too long', { data: d6(), shape: [2, 3], stride: [4, 1] }, undefined, RangeError, BOUNDS, /x.stride .*past the end/],
  ['strides one past the end', { data: d6(), shape: [2, 3], strides: [3, 1], offset: 1 }, undefined, RangeError, BOUNDS, /reaches element 6, past the end/],
  ['strides one before the start', { data: d6(), shape: [2, 3], strides: [-3, 1], offset: 2 }, undefined, RangeError, BOUNDS, /reaches element -1, before the start/],
  ['negative column stride before the start', { data: d6(), shape: [2, 3], strides: [3, -1], offset: 1 }, undefined, RangeError, BOUNDS, /before the start/],
  ['offset at the end', { data: d6(), shape: [1, 1], offset: 6 }, undefined, RangeError, BOUNDS, /x.offset 6 is outside data/],
  ['offset negative', { data: d6(), shape: [1, 1], offset: -1 }, undefined, RangeError, NEGATIVE, /x.offset must be at least 0, got -1/],
  ['offset a string', { data: d6(), shape: [1, 1], offset: '1' }, undefined, TypeError, INTEGER, /x.offset must be a safe integer/],
  ['offset fractional', { data: d6(), shape: [1, 1], offset: 0.5 }, undefined, TypeError, INTEGER, /x.offset.*0.5/],
  ['rows == 0 on axis 0', { data: new BigInt64Array(0), shape: [0, 3] }, { axis: 0 }, RangeError, 'ERR_NDREDUCE_ZERO_SIZE', /^zero-size array to reduction operation maximum which has no identity$/],
  ['cols == 0 on axis 1', { data: d6(), shape: [3, 0], offset: 0 }, { axis: 1 }, RangeError, 'ERR_NDREDUCE_ZERO_SIZE', /zero-size array/],
  ['options a string', ok, 'fast', TypeError, OPTION, /options must be an object, got "fast"/],
  ['unknown strategy', ok, { strategy: 'fastest' }, TypeError, OPTION, /options.strategy must be one of .*"fastest"/],
  ['strategy a number', ok, { strategy: 1 }, TypeError, OPTION, /options.strategy.*got 1/],
  ['axis 2', ok, { axis: 2 }, RangeError, OPTION, /^options.axis 2 is out of range for a 2-D array \(expected -2 to 1\)$/],
  ['axis -3', ok, { axis: -3 }, RangeError, OPTION, /options.axis -3 is out of range/],
  ['axis a string', ok, { axis: '0' }, TypeError, OPTION, /options.axis must be an integer, a list of integers or null, got "0"/],
  ['axis fractional', ok, { axis: 0.5 }, TypeError, INTEGER, /options.axis.*0.5/],
  ['axis list with a hole', ok, { axis: [, 1] }, TypeError, OPTION, /options.axis\[0\] is a hole/],
  ['axis list of one hole', ok, { axis: new Array(1) }, TypeError, OPTION, /options.axis\[0\] is a hole/],
  ['threads 0', ok, { threads: 0 }, RangeError, OPTION, /options.threads must be at least 1, got 0/],
  ['threads negative', ok, { threads: -2 }, RangeError, OPTION, /options.threads must be at least 1/],
  ['threads fractional', ok, { threads: 1.5 }, TypeError, INTEGER, /options.threads.*1.5/],
  ['threads huge', ok, { threads: 1e9 }, RangeError, OPTION, /options.threads must be at most 1024/],
  ['threads a BigInt', ok, { threads: 2n }, TypeError, INTEGER, /options.threads.*2n/],
  ['unknown backend', ok, { backend: 'gpu' }, TypeError, OPTION, /options.backend must be one of .*"gpu"/],
];

// Issue 6 asks for at least 40 hostile inputs; shrinking the table below that is a regression.
assert.ok(BAD_INPUTS.length >= 40, `only ${BAD_INPUTS.length} bad inputs`);
