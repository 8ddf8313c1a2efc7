// The backends the shared tables run on. A new backend adds a row here.
import type { Backend } from '../src/index';

export const BACKENDS: Backend[] = ['native', 'js', 'wasm'];
