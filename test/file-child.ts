// Child process of file.test.ts: reduces a file with reduceFile and prints
// its peak resident memory, so that the parent's memory does not count.
import { reduceFile } from '../src/file';

async function main(): Promise<void> {
  const [p, op, axis] = process.argv.slice(2);
  let done = 0;
  await reduceFile(p, op, { axis: axis === 'null' ? null : Number(axis), onProgress: (e) => (done = e.bytesDone) });
  // resourceUsage().maxRSS is in kilobytes.
  process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, done }));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
