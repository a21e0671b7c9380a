// Finds the plugin (buildx, compose) the docker CLI would run, so the wrapper can run it directly. Going
// through the CLI costs a CLI start and a metadata call of the plugin each time: about 180 ms per build
// (on a cached build a third of its time), about 40 ms of a compose `config` the wrapper reads. The
// plugin is run exactly as the CLI runs it: the same argv and the re-exec variable, so it parses
// docker's global options itself.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { cliConfig, cliConfigDir } from './cli-config.js';
import { runChild, type ChildOptions, type ChildResult } from '../child.js';

/** The variable the docker CLI sets when it runs a plugin; the plugin then acts as `docker <name>`. */
export const REEXEC_ENV = 'DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND';

/** Linux plugin dirs in the CLI's order: the config dir's, the config file's extra dirs, the system's. Pure. */
export function pluginDirs(configDir: string, extraDirs: readonly string[]): string[] {
  return [
    join(configDir, 'cli-plugins'),
    ...extraDirs,
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
  ];
}

/** config.json's extra plugin dirs; undefined where the CLI may read the file otherwise than we do. */
function extraDirsOf(configDir: string): string[] | undefined {
  const { json } = cliConfig(configDir);
  if (!json) return undefined;
  const extra = json.cliPluginsExtraDirs;
  if (extra === undefined) return [];
  return Array.isArray(extra) && extra.every((d) => typeof d === 'string') ? extra : undefined;
}

/**
 * The path of the plugin (`buildx`, `compose`) the CLI would pick, or undefined when that is not
 * certain (a config file the CLI may read differently): the caller then goes through the CLI.
 */
export function findPlugin(name: string, configDirFlag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const configDir = cliConfigDir(configDirFlag, env);
  const extra = extraDirsOf(configDir);
  if (!extra) return undefined;
  for (const dir of pluginDirs(configDir, extra)) {
    const path = join(dir, `docker-${name}`);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this dir: the CLI looks in the next one too
    }
  }
  return undefined;
}

/** One lookup per plugin, config dir and process: a compose build may run buildx once per service. */
const found = new Map<string, string | undefined>();

/**
 * Runs a `docker [globals] <name> ...` argv (name: buildx, compose): by the plugin directly when it is
 * certain which, else by the CLI.
 */
export function runPlugin(name: string, realDocker: string, configDirFlag: string | undefined, argv: readonly string[], o: ChildOptions = {}): Promise<ChildResult> {
  const key = JSON.stringify([name, configDirFlag ?? null]);
  if (!found.has(key)) found.set(key, findPlugin(name, configDirFlag, process.env));
  const plugin = found.get(key);
  if (!plugin) return runChild(realDocker, argv, o);
  return runChild(plugin, argv, { ...o, env: { ...(o.env ?? process.env), [REEXEC_ENV]: realDocker } });
}
