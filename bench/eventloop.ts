// How long the event loop stalls while `max` runs. A sync call blocks it
// for the whole computation; `maxAsync` (where the build has it) should
// leave it free. A 1 ms interval keeps the loop busy enough to notice.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** The worst event-loop delay in milliseconds while `op` runs. */
export async function worstDelay(op: () => unknown): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const ticker = setInterval(() => {}, 1);
  try {
    histogram.enable();
    await sleep(20);
    histogram.reset();
    // reset() also drops the histogram's last timestamp, so the first
    // interval after it is never recorded: let that one pass idle.
    await sleep(5);
    await op();
    // The delay of a blocked loop is recorded on the next turn after it.
    await sleep(20);
    histogram.disable();
    return histogram.max / 1e6;
  } finally {
    clearInterval(ticker);
  }
}
