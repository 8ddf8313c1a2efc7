// Loads the addon built by `npm run build:native`. The types come from the
// `.d.ts` that napi-rs generates from the Rust signatures.
import * as path from 'node:path';

export type NativeAddon = typeof import('../native/index');

const ADDON_PATH = path.join(__dirname, '..', '..', 'native', 'ndreduce.node');

let cached: { addon?: NativeAddon; error?: Error } | undefined;

/** The addon, or the reason it could not be loaded. Tests may point
 * `NDREDUCE_ADDON_PATH` at a missing file to exercise the fallback. */
export function loadNative(): { addon?: NativeAddon; error?: Error } {
  if (!cached) {
    try {
      const file = process.env.NDREDUCE_ADDON_PATH ?? ADDON_PATH;
      cached = { addon: require(file) as NativeAddon };
    } catch (error) {
      cached = { error: error as Error };
    }
  }
  return cached;
}

let warned = false;

/** One warning per process that the addon is missing, whichever path
 * notices first; `fallback` names what runs instead. */
export function warnNoAddon(error: Error | undefined, fallback: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`the native addon could not be loaded (${error?.message.split('\n')[0]}); using ${fallback} instead`, {
    code: 'NDREDUCE_NO_ADDON',
    type: 'NdreduceWarning',
  });
}
