// The one table of element types: which typed array each dtype is, what
// its sum returns, and the suffix of its native functions.

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

/** The suffix of the addon's functions for a dtype (`reduceSumF64`, ...). */
export type NativeSuffix = 'I8' | 'U8' | 'I16' | 'U16' | 'I32' | 'U32' | 'I64' | 'U64' | 'F32' | 'F64';

export type Kind = 'int' | 'uint' | 'float';

type AnyCtor = { new (length: number): NumericArray; new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): NumericArray; readonly name: string; readonly BYTES_PER_ELEMENT: number };

export interface Dtype {
  /** NumPy's name. */
  readonly name: string;
  readonly ctor: AnyCtor;
  readonly suffix: NativeSuffix;
  readonly kind: Kind;
  /** Elements are `bigint`s (64-bit integers). */
  readonly big: boolean;
  /** The smallest and largest value (for floats, the infinities). */
  readonly lowest: number | bigint;
  readonly highest: number | bigint;
}

const dtype = (name: string, ctor: AnyCtor, suffix: NativeSuffix, kind: Kind, lowest: number | bigint, highest: number | bigint): Dtype => ({
  name,
  ctor,
  suffix,
  kind,
  big: typeof lowest === 'bigint',
  lowest,
  highest,
});

export const DTYPES: readonly Dtype[] = [
  dtype('int8', Int8Array as AnyCtor, 'I8', 'int', -128, 127),
  dtype('uint8', Uint8Array as AnyCtor, 'U8', 'uint', 0, 255),
  // Clamping only matters when writing; reading it is uint8.
  dtype('uint8c', Uint8ClampedArray as AnyCtor, 'U8', 'uint', 0, 255),
  dtype('int16', Int16Array as AnyCtor, 'I16', 'int', -(2 ** 15), 2 ** 15 - 1),
  dtype('uint16', Uint16Array as AnyCtor, 'U16', 'uint', 0, 2 ** 16 - 1),
  dtype('int32', Int32Array as AnyCtor, 'I32', 'int', -(2 ** 31), 2 ** 31 - 1),
  dtype('uint32', Uint32Array as AnyCtor, 'U32', 'uint', 0, 2 ** 32 - 1),
  dtype('int64', BigInt64Array as AnyCtor, 'I64', 'int', -(2n ** 63n), 2n ** 63n - 1n),
  dtype('uint64', BigUint64Array as AnyCtor, 'U64', 'uint', 0n, 2n ** 64n - 1n),
  dtype('float32', Float32Array as AnyCtor, 'F32', 'float', -Infinity, Infinity),
  dtype('float64', Float64Array as AnyCtor, 'F64', 'float', -Infinity, Infinity),
];

/** The dtype of a typed array, or undefined for anything else (a
 * DataView, a Float16Array, a plain array). */
export function dtypeOf(data: unknown): Dtype | undefined {
  if (!ArrayBuffer.isView(data)) return undefined;
  return DTYPES.find((d) => data instanceof d.ctor);
}

/** The typed array `sum` returns: 64-bit of the same signedness for
 * integers (exact, or a RangeError), float64 for floats. */
export function sumCtorOf(d: Dtype): AnyCtor {
  if (d.kind === 'float') return Float64Array as AnyCtor;
  return (d.kind === 'int' ? BigInt64Array : BigUint64Array) as AnyCtor;
}

export const DTYPE_NAMES = DTYPES.map((d) => d.ctor.name).join(', ');

/** The memory of a Uint8ClampedArray seen as the Uint8Array the addon takes. */
export function nativeData(data: NumericArray): NumericArray {
  return data instanceof Uint8ClampedArray ? new Uint8Array(data.buffer, data.byteOffset, data.length) : data;
}

/** The inverse of `nativeData` on a result: same memory, the input's class. */
export function asInputType<T extends NumericArray>(input: T, out: NumericArray): T {
  if (input instanceof Uint8ClampedArray && !(out instanceof Uint8ClampedArray)) {
    return new Uint8ClampedArray(out.buffer, out.byteOffset, out.length) as T;
  }
  return out as T;
}
