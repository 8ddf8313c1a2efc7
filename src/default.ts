// The default export of src/index.ts: the module's own namespace, in a file
// of its own because a module cannot name its own namespace as an alias.
// At run time `require('./index')` here returns the CommonJS entry's
// exports object (already marked __esModule), so the default is that same
// object. Its type names `default` itself: `typeof api` alone would define
// the alias through itself.
import * as api from './index';

type Namespace = Omit<typeof api, 'default'> & { readonly default: Namespace };

const ndreduce: Namespace = api;
export default ndreduce;
