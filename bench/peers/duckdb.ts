// DuckDB `SELECT max(c0), ..., max(c99)` over a table holding the 100 long
// columns of `arr.T`. The table is filled outside the timing (data chunks
// written straight into DuckDB's vectors); the timing is the query alone,
// including handing its 100 values to JavaScript.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { measure } from '../measure';
import type { Subject } from '../subject';
import { transposedColumns } from './columns';

type Duck = typeof import('@duckdb/node-api');

export function duckdbSubject(): Subject {
  let instance: DuckDBInstance | undefined;
  let con: DuckDBConnection | undefined;
  let sql = '';
  const subject: Subject = {
    id: 'duckdb',
    layouts: ['arr.T'],
    async setup(data) {
      const duck = require('@duckdb/node-api') as Duck;
      const cols = transposedColumns(data.arr);
      const names = cols.map((_, j) => `c${j}`);
      instance = await duck.DuckDBInstance.create(':memory:');
      con = await instance.connect();
      await con.run(`CREATE TABLE t (${names.map((n) => `${n} BIGINT NOT NULL`).join(', ')})`);
      const appender = await con.createAppender('t');
      const n = cols[0]?.length ?? 0;
      const chunkRows = 2048; // DuckDB's vector size: a chunk holds at most this many rows
      for (let start = 0; start < n; start += chunkRows) {
        const rows = Math.min(chunkRows, n - start);
        const chunk = duck.DuckDBDataChunk.create(cols.map(() => duck.BIGINT), rows);
        cols.forEach((c, j) => {
          // `items` is declared private but is the vector's plain buffer;
          // one bulk set per column beats 2048 checked setItem calls.
          const vector = chunk.getColumnVector(j) as unknown as { items: BigInt64Array; flush(): void };
          vector.items.set(c.subarray(start, start + rows));
          vector.flush();
        });
        appender.appendDataChunk(chunk);
      }
      appender.closeSync();
      sql = `SELECT ${names.map((c) => `max(${c})`).join(', ')} FROM t`;
      subject.note = `DuckDB ${duck.version()}, ${cols.length} max() aggregates in one query (arr.T only), SET threads per table`;
    },
    async measure(_data, _layout, threads, policy, onRun) {
      const c = con!;
      await c.run(`SET threads = ${threads}`);
      const { result, timing } = await measure(async () => (await c.runAndReadAll(sql)).getRows()[0], policy, onRun);
      return { result: BigInt64Array.from(result, (v) => v as bigint), timing };
    },
    dispose() {
      con?.closeSync();
      instance?.closeSync();
      con = instance = undefined;
    },
  };
  return subject;
}
