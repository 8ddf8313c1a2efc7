import type { NativeAddon } from '../native';
import type { Backend } from './types';

export function nativeBackend(addon: NativeAddon): Backend {
  return {
    name: 'native',
    max(v, o) {
      return addon.maxI64(v.data, v.rows, v.cols, v.rowStride, v.colStride, v.offset, o.axis, o.strategy, o.threads);
    },
  };
}
