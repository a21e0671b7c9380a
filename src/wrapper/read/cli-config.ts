// What the docker CLI's own files say: its config directory (one rule: --config, DOCKER_CONFIG,
// ~/.docker), its config.json (the context `docker context use` chose, `docker buildx install`'s alias,
// extra plugin dirs, logins) and the builder `docker buildx use` chose. config.json is read once per run
// and kept; the wrapper's own write of it (registry-login) replaces what is kept. A missing file is an
// empty one; a broken one says nothing, and is not ours to rewrite.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The CLI's config directory: `--config`, else DOCKER_CONFIG, else ~/.docker. */
export function cliConfigDir(flagDir?: string, env: Env = process.env): string {
  return flagDir ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker');
}

export interface CliConfig {
  /** The file's text; undefined where there is none. */
  text?: string;
  /** Its object; undefined where the text is not a JSON object. */
  json?: Record<string, unknown>;
}

const read = new Map<string, CliConfig>();

function parse(text: string | undefined): CliConfig {
  if (text === undefined || text.trim() === '') return { text, json: {} };
  try {
    const v = JSON.parse(text) as unknown;
    return { text, json: typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined };
  } catch {
    return { text };
  }
}

/** config.json of the config directory `dir`, read at its first use in this run. */
export function cliConfig(dir: string): CliConfig {
  let c = read.get(dir);
  if (!c) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, 'config.json'), 'utf8');
    } catch {
      text = undefined;
    }
    read.set(dir, (c = parse(text)));
  }
  return c;
}

/** Writes config.json of `dir` (0600, as the CLI does) and keeps the new text as what it says. */
export async function writeCliConfig(dir: string, text: string): Promise<void> {
  await writeFileAtomic(join(dir, 'config.json'), text, 0o600);
  read.set(dir, parse(text));
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The context `docker context use` recorded in config.json, if any. */
export function currentContext(flagDir?: string): string | undefined {
  return str(cliConfig(cliConfigDir(flagDir)).json?.currentContext);
}

/** The plugin `docker build` goes to, when config.json names one (`docker buildx install`). */
export function builderAlias(flagDir?: string): string | undefined {
  const aliases = cliConfig(cliConfigDir(flagDir)).json?.aliases;
  return aliases && typeof aliases === 'object' ? str((aliases as Record<string, unknown>).builder) : undefined;
}

/** The builder `docker buildx use` recorded, if any. */
export function currentBuilder(env: Env = process.env): string | undefined {
  try {
    const current = JSON.parse(readFileSync(join(env.BUILDX_CONFIG ?? join(cliConfigDir(undefined, env), 'buildx'), 'current'), 'utf8')) as { Name?: unknown };
    return str(current.Name);
  } catch {
    return undefined;
  }
}
