// "did you mean 'axis'?": the known name closest to a misspelt one.

/** Levenshtein distance, ignoring case (`keepDims` is one edit from nothing). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/** The entry of `known` closest to `name` (the first on ties). */
export function closest(name: string, known: readonly string[]): string {
  let best = known[0];
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Option names people bring from NumPy, pandas, SciPy, PyTorch and the
 * array API, by their spelling folded (lower case, no `_`): ours, and what
 * to say when the meaning differs. A name whose key this function does
 * not take falls back to the closest one. */
const FOREIGN: Record<string, { ours: string; note?: string }> = {
  axes: { ours: 'axis' },
  dim: { ours: 'axis', note: "PyTorch's dim" },
  keepdim: { ours: 'keepdims' },
  skipna: { ours: 'ignoreNaN', note: "pandas' skipna; here NaN propagates unless ignoreNaN is true" },
  nanpolicy: { ours: 'ignoreNaN', note: "SciPy's nan_policy: 'omit' is ignoreNaN: true, 'propagate' the default" },
  correction: { ours: 'ddof', note: "the array API's correction" },
  unbiased: { ours: 'ddof', note: "PyTorch's unbiased: true is ddof: 1" },
};

/** Names that have no counterpart yet: what to say instead of a guess. */
const UNSUPPORTED: Record<string, string> = {
  where: 'a where mask is taken by the reductions of arrays in memory (max, sum, ...), not here',
};

const fold = (name: string) => name.toLowerCase().replace(/_/g, '');

/** The hint after `unknown option 'name':`, for an entry taking `known`. */
export function unknownOptionHint(name: string, known: readonly string[]): string {
  const folded = fold(name);
  if (UNSUPPORTED[folded] !== undefined) return UNSUPPORTED[folded];
  // keep_dims, ignore_nan, KeepDims: our own name in another spelling.
  const spelt = known.find((k) => fold(k) === folded);
  if (spelt !== undefined) return `did you mean '${spelt}'?`;
  const foreign = FOREIGN[folded];
  if (foreign !== undefined && known.includes(foreign.ours)) {
    return `did you mean '${foreign.ours}'?${foreign.note === undefined ? '' : ` (${foreign.note})`}`;
  }
  return `did you mean '${closest(name, known)}'?`;
}
