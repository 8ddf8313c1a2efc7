// The backends the shared tables run on. A new backend adds a row here.
import * as assert from 'node:assert/strict';

import type { Backend } from '../src/index';

export const BACKENDS: Backend[] = ['native', 'js', 'wasm'];

// Every row must be distinct, or a backend would silently be tested twice and another not at all.
assert.equal(new Set(BACKENDS).size, BACKENDS.length);
