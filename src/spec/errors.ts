// Every error ndreduce throws carries a stable `code`. The addon raises the
// same codes for the same mistakes (crates/core/src/error.rs); the
// TypeScript layer adds the ones that only it can detect.

export const CODES = {
  /** A field that must be a safe integer is not one (TypeError). */
  NOT_INTEGER: 'ERR_NDREDUCE_NOT_INTEGER',
  /** A length or offset below 0 (RangeError). */
  NEGATIVE: 'ERR_NDREDUCE_NEGATIVE',
  /** The shape has more than 2^53 - 1 elements (RangeError). */
  SHAPE_OVERFLOW: 'ERR_NDREDUCE_SHAPE_OVERFLOW',
  /** Offset and strides reach outside `data` (RangeError). */
  OUT_OF_BOUNDS: 'ERR_NDREDUCE_OUT_OF_BOUNDS',
  /** A reduction without identity over an empty axis (RangeError). */
  ZERO_SIZE: 'ERR_NDREDUCE_ZERO_SIZE',
  /** An option of the wrong type (TypeError) or value (RangeError). */
  BAD_OPTION: 'ERR_NDREDUCE_BAD_OPTION',
  /** An option key no reduction knows, a typo most likely (TypeError naming the closest key). */
  UNKNOWN_OPTION: 'ERR_NDREDUCE_UNKNOWN_OPTION',
  /** An integer sum outside 64 bits (RangeError). */
  OVERFLOW: 'ERR_NDREDUCE_OVERFLOW',
  /** A NaN-skipping arg reduction of a slice of only NaN (RangeError). */
  ALL_NAN: 'ERR_NDREDUCE_ALL_NAN',
  /** A result too large to allocate (RangeError). */
  TOO_LARGE: 'ERR_NDREDUCE_TOO_LARGE',
  /** `x` is not an array this library reads (TypeError), or its shape or
   * strides list is malformed (RangeError for a wrong length). */
  BAD_ARRAY: 'ERR_NDREDUCE_BAD_ARRAY',
  /** A .npy file that is malformed or holds what no typed array can (TypeError or RangeError). */
  BAD_NPY: 'ERR_NDREDUCE_BAD_NPY',
  /** The addon's async entry was given a non-shared buffer (TypeError). */
  NOT_SHARED: 'ERR_NDREDUCE_NOT_SHARED',
  /** The input was detached, transferred or shrunk while an async call was copying it (TypeError). */
  DETACHED: 'ERR_NDREDUCE_DETACHED',
  /** A wasm array was used after `free()` (Error). */
  FREED: 'ERR_NDREDUCE_FREED',
  /** The platform lacks what a backend needs: the wasm module, little-endian memory, a worker (Error). */
  UNAVAILABLE: 'ERR_NDREDUCE_UNAVAILABLE',
  /** A bug: a kernel panicked or a worker failed (Error). */
  PANIC: 'ERR_NDREDUCE_PANIC',
  /** A chunked store (Zarr) could not be read: no array there, or a chunk
   * that failed to load, named by its key (Error). */
  STORE: 'ERR_NDREDUCE_STORE',
  /** A Zarr chunk whose compressed bytes do not decode to the chunk's
   * length (corrupt or truncated), named by its key (RangeError from the
   * addon; Error naming the chunk from reduceZarr). */
  CODEC: 'ERR_NDREDUCE_CODEC',
  /** A chunk compressed in a way the addon does not decode; reduceZarr
   * then decodes it with zarrita's codecs, so users do not see it. */
  CODEC_UNSUPPORTED: 'ERR_NDREDUCE_CODEC_UNSUPPORTED',
  /** The signal was aborted (Error named AbortError). */
  ABORT: 'ABORT_ERR',
} as const;

export type Code = (typeof CODES)[keyof typeof CODES];

type ErrorClass = typeof Error | typeof TypeError | typeof RangeError;

/** An error of class `Class` with `code`. */
export function ndError(Class: ErrorClass, code: Code, message: string, cause?: unknown): Error & { code: Code } {
  const e = new Class(message, cause === undefined ? undefined : { cause }) as Error & { code: Code };
  e.code = code;
  return e;
}

/** The error an aborted call rejects with (Node's own AbortError shape). */
export function abortError(reason?: unknown): Error {
  const e = ndError(Error, CODES.ABORT, 'The operation was aborted', reason);
  e.name = 'AbortError';
  return e;
}

/** Whether `e` already carries one of our codes (kept as it is when rethrown). */
export function hasCode(e: unknown): e is Error & { code: Code } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && (code.startsWith('ERR_NDREDUCE_') || code === CODES.ABORT);
}
