// Whether two partials merge: the same reduction, options and labels, over
// the same array and axes. Anything else would give a result of neither
// array, so it is refused before any state of either partial moves.
import { CODES, ndError } from '../spec/errors';
import { resolveAxes } from '../validate/options';
import type { Options } from '../validate/options';
import { describe } from '../validate/read';
import type { GroupLabels } from './grouped';

/** What a merge compares of a partial; `dtype` undefined before its first chunk. */
export interface MergeShape {
  ddof: number;
  grouping: GroupLabels | undefined;
  axisAll: boolean;
  axisOption: Options['axis'];
  dtype: string | undefined;
  ndim: number;
  axes: readonly number[];
  keptShape: readonly number[];
}

const bad = (message: string) => ndError(RangeError, CODES.BAD_OPTION, message);

/** `option` resolved over `ndim` axes as a first chunk would resolve it;
 * undefined where it does not resolve. */
export function axesOf(option: Options['axis'], ndim: number): number[] | undefined {
  try {
    return resolveAxes(option, ndim);
  } catch {
    return undefined;
  }
}

/** Refuses partials of other options or labels (the op is compared first, by the caller). */
export function checkOptionsMerge(a: MergeShape, b: MergeShape): void {
  if (b.ddof !== a.ddof) throw bad(`Partial.merge: partials with ddof ${a.ddof} and ${b.ddof} do not merge`);
  const [g, h] = [a.grouping, b.grouping];
  if (!g !== !h) throw bad(`Partial.merge: a partial by label (options.by) and one without do not merge`);
  if (g && h && (g.groups !== h.groups || g.labels.length !== h.labels.length || (g.labels !== h.labels && g.labels.some((l, k) => l !== h.labels[k])))) {
    throw bad(`Partial.merge: partials by different labels (options.by and options.groups) do not merge`);
  }
  if (b.axisAll !== a.axisAll || (a.dtype === undefined && b.dtype === undefined && JSON.stringify(b.axisOption) !== JSON.stringify(a.axisOption))) {
    throw bad(`Partial.merge: partials over axis ${describe(a.axisOption)} and ${describe(b.axisOption)} do not merge`);
  }
}

/** Refuses partials of different arrays or axes; `b` holds a chunk. */
export function checkArraysMerge(a: MergeShape, b: MergeShape): void {
  if (a.dtype === undefined) {
    if (axesOf(a.axisOption, b.ndim)?.join() !== b.axes.join()) throw bad(`Partial.merge: partials over axis ${describe(a.axisOption)} and axes ${describe(b.axes)} do not merge`);
  } else if (b.dtype !== a.dtype || b.ndim !== a.ndim || b.axes.join() !== a.axes.join() || b.keptShape.join() !== a.keptShape.join()) {
    throw bad(`Partial.merge: partials of different arrays or axes (${a.dtype} [${a.keptShape}] over ${a.axes} vs ${b.dtype} [${b.keptShape}] over ${b.axes})`);
  }
}
