// The asynchronous N-d reductions: the same validation and result shaping
// as the synchronous ones, the buffer rule and cancellation of `async.ts`.
import { abortError, checkSignal, offThread, shared } from './async';
import { referenceReduce } from './reference-nd';
import { engineFor, finish, nativeArgs, prepare } from './reduce';
import type { Engine } from './reduce';
import type { Reduction } from './types';

export async function reduceAsync(op: Reduction, x: unknown, options: unknown, fn: string, ignoreNaN = false, engine: Engine = 'auto'): Promise<unknown> {
  const p = prepare(op, x, options, ignoreNaN);
  const signal = checkSignal(options);
  if (signal?.aborted) throw abortError(signal);
  const call = engineFor(p, engine);
  const steps = call && {
    prepare: () => shared(p.view, signal, fn),
    token: () => call.newToken(),
    start: (view: typeof p.view, token: Parameters<typeof call.async>[3]) =>
      call.async(nativeArgs(view, p.opts), p.opts.ignoreNaN, p.opts.threads, token),
  };
  const raw = await offThread(signal, steps, () => referenceReduce(p.view, p.opts.axes, p.op, p.opts.ignoreNaN));
  return finish(p, raw);
}
