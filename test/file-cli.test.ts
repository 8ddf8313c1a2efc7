// The CLI streams big files through reduceFile: the same output as loading
// them (NDREDUCE_STREAM_THRESHOLD=0 streams every file).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadNpy, saveNpy } from '../src/npy';

const CLI = path.join(__dirname, '..', 'bench', 'cli.js');
const cli = (args: string[], threshold?: string) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...(threshold === undefined ? {} : { NDREDUCE_STREAM_THRESHOLD: threshold }) },
  });

test('ndreduce <op> FILE streams above the threshold with the same output', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndreduce-file-cli-'));
  try {
    const file = path.join(dir, 'x.npy');
    saveNpy(file, { data: Float64Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 3.5), shape: [2, 3, 4], strides: [1, 2, 6] });
    for (const args of [
      ['max', file, '--axis', '0'],
      ['sum', file],
      ['argmax', file, '--axis', '-1'],
      ['minmax', file, '--axis', '0,2', '--keepdims'],
      ['std', file, '--axis', '1', '--ddof', '1'],
    ]) {
      const loaded = cli(args);
      const streamed = cli(args, '0');
      assert.equal(loaded.status, 0, loaded.stderr);
      assert.equal(streamed.status, 0, streamed.stderr);
      assert.equal(streamed.stdout, loaded.stdout, args.join(' '));
      assert.equal(streamed.stderr, '', 'no progress bar when stderr is not a terminal');
    }
    const out = path.join(dir, 'out.npy');
    assert.equal(cli(['max', file, '--axis', '1', '--out', out], '0').status, 0);
    assert.deepEqual(loadNpy(out).shape, [2, 4]);
    fs.writeFileSync(path.join(dir, 'bad.npy'), fs.readFileSync(file).subarray(0, -8));
    const bad = cli(['max', path.join(dir, 'bad.npy')], '0');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /npy: data is truncated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
