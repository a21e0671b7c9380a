// The compose version a build runs under: compose labels every image it builds with it
// (com.docker.compose.version), and exits differently on a failed build by version. Asking compose
// costs a process start, so the answer is kept beside the event log, keyed by the plugin file it came
// from (a plugin that moves or changes is asked again).
import { stat } from 'node:fs/promises';
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import type { ToolkitConfig } from '../../lib/config.js';
import { wrapperCachePath } from '../../lib/session-contract.js';
import { findPlugin, runPlugin } from '../read/cli-plugin.js';
import type { DockerCall } from './plan.js';

/** The version as compose writes it into its label: major.minor.patch, no `v`, no suffix. Pure. */
export function versionCore(printed: string): string {
  return /^v?(\d+\.\d+\.\d+)/.exec(printed.trim())?.[1] ?? '';
}

interface Cached {
  plugin: string;
  mtimeMs: number;
  size: number;
  version: string;
}

async function ask(cfg: ToolkitConfig, docker: DockerCall): Promise<string> {
  const v = await runPlugin('compose', cfg.realDocker, docker.configDir, [...docker.globals, 'compose', 'version', '--short'], { stdout: 'capture', stderr: 'ignore', stdin: 'ignore' });
  return v.code === 0 ? v.stdout.trim() : '';
}

/** What `docker compose version --short` prints for this command line's compose. */
export async function composeVersion(cfg: ToolkitConfig, docker: DockerCall): Promise<string> {
  const plugin = findPlugin('compose', docker.configDir, process.env);
  const st = plugin ? await stat(plugin).catch(() => undefined) : undefined;
  if (!plugin || !st) return ask(cfg, docker);
  const file = wrapperCachePath(cfg.eventsFile, 'composeVersion');
  const cached = await readIfExists(file)
    .then((t) => (t ? (JSON.parse(t) as Cached) : undefined))
    .catch(() => undefined);
  if (cached?.plugin === plugin && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.version;
  const version = await ask(cfg, docker);
  if (version) {
    const entry: Cached = { plugin, mtimeMs: st.mtimeMs, size: st.size, version };
    // Best effort: without it, compose is asked again next time.
    await writeFileAtomic(file, `${JSON.stringify(entry)}\n`, 0o666).catch(() => undefined);
  }
  return version;
}
