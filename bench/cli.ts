#!/usr/bin/env node
// The development command line (`npm run bench`): the package's own
// `ndreduce` commands (src/cli) plus the benchmarks, which stay in the
// repository with their peers (NumPy, Polars, DuckDB, Arrow, vega).
import { main } from '../src/cli/index';
import type { Command } from '../src/cli/index';
import { benchCommand } from './run';
import { dtypesCommand } from './dtypes-command';
import { quantileCommand } from './quantile';
import { groupsCommand } from './groups';
import { whereCommand } from './where';
import { movingCommand } from './moving';

const BENCH_COMMANDS: Record<string, Command> = {
  bench: { summary: 'time every implementation of the column max against the memory floor', run: benchCommand },
  'bench-dtypes': { summary: 'the general engine on float64, int32 and an Arrow table, with NumPy and the floor', run: dtypesCommand },
  'bench-quantile': { summary: 'median and quantiles of 100 x 1,000,000 float64 next to NumPy and bottleneck', run: quantileCommand },
  'bench-groups': { summary: 'mean by label (12 groups) of 100 x 1,000,000 float64 next to the plain mean and NumPy', run: groupsCommand },
  'bench-where': { summary: 'masked sum and max (options.where) of 100 x 1,000,000 float64 next to the unmasked calls and NumPy', run: whereCommand },
  'bench-moving': { summary: 'the moving windows (moveMean, moveStd, moveMax, moveMedian) of 100 x 1,000,000 float64 next to bottleneck', run: movingCommand },
};

main(process.argv.slice(2), BENCH_COMMANDS);
