// Child process of npy-hostile.test.ts: opens a hostile .npy file through
// every reader, so that an abort or a runaway allocation fails that test
// rather than the runner. Prints, as JSON, each reader's error code (or
// what it returned) and the process's peak resident memory.
import assert from 'node:assert/strict';

import { readNpyHeader, reduceFile } from '../src/io/file';
import { loadNpy } from '../src/io/npy';

type Outcome = { code?: unknown; message?: string; bytes?: number; shape?: number[] };

const outcome = (e: unknown): Outcome => ({ code: (e as { code?: unknown })?.code, message: String((e as Error)?.message ?? e) });

async function main(): Promise<void> {
  // The readers to run (default all): reduceFile's own opening of a FIFO
  // is another issue's, so that case runs loadNpy alone.
  const [file, ...only] = process.argv.slice(2);
  const runs = (name: string) => only.length === 0 || only.includes(name);
  const out: Record<string, Outcome> = {};
  /** Runs reader `name`, keeping what it gave or the error it threw. */
  const attempt = async (name: string, read: () => Promise<Outcome> | Outcome) => {
    if (!runs(name)) return;
    try {
      out[name] = await read();
    } catch (e) {
      // Whatever the file, a reader refuses it with one of our codes.
      assert.match(String((e as { code?: unknown })?.code), /^ERR_NDREDUCE_/, `${name}: ${String((e as Error)?.message ?? e)}`);
      out[name] = outcome(e);
    }
  };
  await attempt('loadNpy', () => {
    const x = loadNpy(file);
    // What the result holds alive: its own buffer, not the file's bytes.
    assert.equal(x.data.buffer.byteLength, x.data.byteLength, 'loadNpy: the buffer holds the data and nothing else');
    return { bytes: x.data.buffer.byteLength, shape: x.shape };
  });
  await attempt('readNpyHeader', async () => ({ shape: (await readNpyHeader(file)).shape }));
  await attempt('reduceFile', async () => (await reduceFile(file, 'sum'), {}));
  // resourceUsage().maxRSS is in kilobytes.
  process.stdout.write(JSON.stringify({ ...out, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
