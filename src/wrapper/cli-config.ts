// What the docker CLI's own files say: the builder `docker buildx use` chose and the context
// `docker context use` chose. Read once per call; a missing or broken file means "none".
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function configDir(flagDir?: string): string {
  return flagDir ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
}

/** The builder `docker buildx use` recorded, if any. */
export function currentBuilder(): string | undefined {
  const name = readJson(join(process.env.BUILDX_CONFIG ?? join(configDir(), 'buildx'), 'current'))?.Name;
  return typeof name === 'string' ? name : undefined;
}

/** The context `docker context use` recorded in config.json, if any. */
export function currentContext(flagDir?: string): string | undefined {
  const name = readJson(join(configDir(flagDir), 'config.json'))?.currentContext;
  return typeof name === 'string' && name ? name : undefined;
}

/** The plugin `docker build` goes to, when config.json names one (`docker buildx install`). */
export function builderAlias(flagDir?: string): string | undefined {
  const aliases = readJson(join(configDir(flagDir), 'config.json'))?.aliases;
  const name = aliases && typeof aliases === 'object' ? (aliases as Record<string, unknown>).builder : undefined;
  return typeof name === 'string' && name ? name : undefined;
}
