// The one table of element types: which typed array each dtype is, what
// its sum returns, and the platform's own accessors for typed arrays.

export type NumericArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

type Kind = 'int' | 'uint' | 'float';

export type AnyCtor = {
  new (length: number): NumericArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): NumericArray;
  readonly name: string;
  readonly BYTES_PER_ELEMENT: number;
};

export interface Dtype {
  /** NumPy's name. */
  readonly name: string;
  /** The intrinsic constructor, captured when this module loaded. */
  readonly ctor: AnyCtor;
  readonly kind: Kind;
  /** Elements are `bigint`s (64-bit integers). */
  readonly big: boolean;
  readonly bytes: number;
  /** The smallest and largest value (for floats, the infinities). */
  readonly lowest: number | bigint;
  readonly highest: number | bigint;
}

const dtype = (name: string, ctor: AnyCtor, kind: Kind, lowest: number | bigint, highest: number | bigint): Dtype => ({
  name,
  ctor,
  kind,
  big: typeof lowest === 'bigint',
  bytes: ctor.BYTES_PER_ELEMENT,
  lowest,
  highest,
});

export const DTYPES: readonly Dtype[] = [
  dtype('int8', Int8Array as AnyCtor, 'int', -128, 127),
  dtype('uint8', Uint8Array as AnyCtor, 'uint', 0, 255),
  // Clamping only matters when writing; reading it is uint8.
  dtype('uint8c', Uint8ClampedArray as AnyCtor, 'uint', 0, 255),
  dtype('int16', Int16Array as AnyCtor, 'int', -(2 ** 15), 2 ** 15 - 1),
  dtype('uint16', Uint16Array as AnyCtor, 'uint', 0, 2 ** 16 - 1),
  dtype('int32', Int32Array as AnyCtor, 'int', -(2 ** 31), 2 ** 31 - 1),
  dtype('uint32', Uint32Array as AnyCtor, 'uint', 0, 2 ** 32 - 1),
  dtype('int64', BigInt64Array as AnyCtor, 'int', -(2n ** 63n), 2n ** 63n - 1n),
  dtype('uint64', BigUint64Array as AnyCtor, 'uint', 0n, 2n ** 64n - 1n),
  dtype('float32', Float32Array as AnyCtor, 'float', -Infinity, Infinity),
  dtype('float64', Float64Array as AnyCtor, 'float', -Infinity, Infinity),
];

export const DTYPE_NAMES = DTYPES.map((d) => d.ctor.name).join(', ');

// The platform's accessors of %TypedArray%.prototype, taken once. They read
// internal slots, so no own property, prototype swap or subclass of the
// caller's can change what they report.
const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
const getter = (key: PropertyKey) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, key)!.get!;
const tagGetter = getter(Symbol.toStringTag);
const bufferGetter = getter('buffer');
const byteOffsetGetter = getter('byteOffset');
const lengthGetter = getter('length');
const setMethod = (TypedArrayPrototype as { set: (this: NumericArray, src: ArrayLike<unknown>, at?: number) => void }).set;

const BY_TAG = new Map(DTYPES.map((d) => [d.ctor.name, d]));

/** The typed array class name of `value` ("Float64Array"), or undefined
 * for anything else (a DataView, a Proxy, a look-alike). */
export const typedArrayTag = (value: unknown): string | undefined => tagGetter.call(value) as string | undefined;

/** The dtype of a typed array, or undefined for anything else. */
export const dtypeOf = (value: unknown): Dtype | undefined => {
  const tag = typedArrayTag(value);
  return tag === undefined ? undefined : BY_TAG.get(tag);
};

export const bufferOf = (a: NumericArray): ArrayBufferLike => bufferGetter.call(a) as ArrayBufferLike;
export const byteOffsetOf = (a: NumericArray): number => byteOffsetGetter.call(a) as number;
/** The length in elements: 0 once the buffer is detached or shrunk below the view. */
export const lengthOf = (a: NumericArray): number => lengthGetter.call(a) as number;
/** `to.set(from, at)` through the intrinsic method. */
export const copyInto = (to: NumericArray, from: NumericArray, at: number): void => setMethod.call(to, from as never, at);

/** A view of `length` elements at element `start` of `a`'s memory, made by
 * the dtype's own constructor (never `a.constructor` or its species). */
export function viewOf(d: Dtype, a: NumericArray, start: number, length: number): NumericArray {
  return new d.ctor(bufferOf(a), byteOffsetOf(a) + start * d.bytes, length);
}

/** The typed array of the sum family's results: 64-bit of the same signedness for
 * integers (exact, or a RangeError), float64 for floats. */
export function sumCtorOf(d: Dtype): AnyCtor {
  if (d.kind === 'float') return Float64Array as AnyCtor;
  return (d.kind === 'int' ? BigInt64Array : BigUint64Array) as AnyCtor;
}
