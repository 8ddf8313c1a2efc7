// The facts a benchmark number means nothing without.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memory_gib: number;
  platform: string;
  node: string;
  rustc: string;
  date: string;
  /** 1-minute load averages when the run started and ended: other users
   * of a shared machine show up here. */
  loadavg_start: number;
  loadavg_end?: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  const rustc = spawnSync('rustc', ['--version'], { encoding: 'utf8' });
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    rustc: rustc.status === 0 ? rustc.stdout.trim() : `unavailable (${rustc.error?.message ?? rustc.stderr.trim()})`,
    date: new Date().toISOString(),
    loadavg_start: os.loadavg()[0],
  };
}
