// Scratch SharedArrayBuffers for the async buffer rule, reused across calls.
// On the development VM, first-touching fresh memory costs about 2.5 ms per
// MB (a cold 800 MB copy took 2 s and held the event loop up to 26 ms per
// slice), while a warm buffer copies at memory speed. A buffer returns here
// only when the native task that read it has settled, and free buffers are
// left to the garbage collector after a short idle time.

const IDLE_MS = 2000;
const MAX_FREE = 4;

const free: SharedArrayBuffer[] = [];
let dropTimer: NodeJS.Timeout | undefined;

/** A SharedArrayBuffer of at least `bytes` (at most twice as large). */
export function acquireScratch(bytes: number): SharedArrayBuffer {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const size = free[i].byteLength;
    if (size >= bytes && size <= 2 * bytes + 4096 && (best < 0 || size < free[best].byteLength)) best = i;
  }
  return best >= 0 ? free.splice(best, 1)[0] : new SharedArrayBuffer(bytes);
}

/** Gives a buffer back once nothing reads it any more. */
export function releaseScratch(buffer: SharedArrayBuffer): void {
  free.push(buffer);
  if (free.length > MAX_FREE) free.shift();
  if (dropTimer) dropTimer.refresh();
  else {
    dropTimer = setTimeout(() => {
      free.length = 0;
      dropTimer = undefined;
    }, IDLE_MS);
    dropTimer.unref();
  }
}

/** Free buffers held now (for tests). */
export function scratchHeld(): number {
  return free.length;
}
