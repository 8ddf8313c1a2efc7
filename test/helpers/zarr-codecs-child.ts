// Child process of zarr-codecs.test.ts: reduces a Zarr array with a
// spoiled chunk, so that a crash fails that test rather than the runner.
// Prints the error's code and message as JSON.
import { reduceZarr } from '../../src/index';

async function main(): Promise<void> {
  try {
    await reduceZarr(process.argv[2], 'sum', { concurrency: 4 });
    process.stdout.write(JSON.stringify({ code: 'none', message: 'no error' }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ code: (e as { code?: unknown })?.code, message: String((e as Error)?.message ?? e) }));
  }
}
void main();
