// Every implementation must return what the serial kernel returned.

/** Undefined when equal; otherwise where and how they differ. */
export function difference(got: BigInt64Array, expected: BigInt64Array): string | undefined {
  if (got.length !== expected.length) return `${got.length} values instead of ${expected.length}`;
  for (let j = 0; j < got.length; j++) {
    if (got[j] !== expected[j]) return `column ${j} is ${got[j]}, serial says ${expected[j]}`;
  }
  return undefined;
}
