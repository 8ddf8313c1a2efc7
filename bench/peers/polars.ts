// nodejs-polars `DataFrame.max()` on the 100 long columns of `arr.T`. A
// DataFrame with a million columns (the `arr` layout) is not what Polars is
// for, so it is measured on the transposed layout only.
import * as os from 'node:os';

import { measure } from '../measure';
import type { Subject } from '../subject';
import { transposedColumns } from './columns';

type Polars = typeof import('nodejs-polars');
type DataFrame = import('nodejs-polars').DataFrame;

export function polarsSubject(): Subject {
  let df: DataFrame | undefined;
  const threads = Number(process.env.POLARS_MAX_THREADS) || os.availableParallelism();
  const subject: Subject = {
    id: 'polars',
    layouts: ['arr.T'],
    // Polars sizes its thread pool once per process.
    fixedThreads: threads,
    setup(data) {
      let pl: Polars;
      try {
        pl = require('nodejs-polars') as Polars;
      } catch (error) {
        const first = (error as Error).message.split('\n')[0];
        // 0.25.2's prebuilt binding declares node >= 22, so npm leaves it
        // out on Node 20 although it loads there.
        throw new Error(`${first} (its prebuilt binding declares node >= 22, so npm leaves it out on Node 20; the README's Benchmark section shows how to add it)`);
      }
      const cols = transposedColumns(data.arr);
      // The typings omit BigInt64Array, which the binding takes as Int64 without conversion.
      df = pl.DataFrame(cols.map((c, j) => pl.Series(`c${j}`, c as unknown as number[])));
      subject.note = `nodejs-polars ${pl.version}, DataFrame.max() over ${cols.length} columns (arr.T only), its own pool of ${threads} threads`;
    },
    async measure(_data, _layout, _threads, policy, onRun) {
      const frame = df!;
      const { result, timing } = await measure(() => frame.max(), policy, onRun);
      const values = result.getColumns().map((s) => s.toTypedArray());
      return { result: BigInt64Array.from(values, (v) => BigInt(v[0] as bigint)), timing };
    },
    dispose() {
      df = undefined;
    },
  };
  return subject;
}
