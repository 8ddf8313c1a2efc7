// Child process of npy-hostile.test.ts: opens a hostile .npy file through
// every reader, so that an abort or a runaway allocation fails that test
// rather than the runner. Prints, as JSON, each reader's error code (or
// what it returned) and the process's peak resident memory.
import { readNpyHeader, reduceFile } from '../src/io/file';
import { loadNpy } from '../src/io/npy';

type Outcome = { code?: unknown; message?: string; bytes?: number; shape?: number[] };

const outcome = (e: unknown): Outcome => ({ code: (e as { code?: unknown })?.code, message: String((e as Error)?.message ?? e) });

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  const out: Record<string, Outcome> = {};
  try {
    const x = loadNpy(file);
    // What the result holds alive: its own buffer, not the file's bytes.
    out.loadNpy = { bytes: x.data.buffer.byteLength, shape: x.shape };
  } catch (e) {
    out.loadNpy = outcome(e);
  }
  try {
    out.readNpyHeader = { shape: (await readNpyHeader(file)).shape };
  } catch (e) {
    out.readNpyHeader = outcome(e);
  }
  try {
    await reduceFile(file, 'sum');
    out.reduceFile = {};
  } catch (e) {
    out.reduceFile = outcome(e);
  }
  // resourceUsage().maxRSS is in kilobytes.
  process.stdout.write(JSON.stringify({ ...out, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
