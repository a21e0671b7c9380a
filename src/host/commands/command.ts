// What every `helix` command handler receives: its words, the parsed flags, and the host's shared
// dependencies, made once by the CLI.
import { readdir } from 'node:fs/promises';
import { HelixError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { isValidId } from '../ids.js';
import type { GoldenBuilder } from '../golden-build.js';
import type { GoldenStore } from '../golden-store.js';
import type { SandboxDeps } from '../sandbox.js';

/** Every flag any command takes, as node:util parseArgs reads them. */
export const OPTIONS = {
  bind: { type: 'string', multiple: true },
  project: { type: 'string' },
  image: { type: 'string' },
  port: { type: 'string', default: '7770' },
  sample: { type: 'string' },
  scale: { type: 'string', default: 'full' },
  concurrent: { type: 'string', default: '4' },
  json: { type: 'boolean' },
  sizes: { type: 'string', default: '1,4' },
  files: { type: 'string', default: '100000' },
  mb: { type: 'string', default: '1024' },
  layers: { type: 'string', default: '40' },
  repeats: { type: 'string', default: '3' },
  'grace-hours': { type: 'string', default: '24' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface Flags {
  bind?: string[];
  project?: string;
  image?: string;
  port: string;
  sample?: string;
  scale: string;
  concurrent: string;
  json?: boolean;
  sizes: string;
  files: string;
  mb: string;
  layers: string;
  repeats: string;
  'grace-hours': string;
}

export interface HostDeps extends SandboxDeps {
  store: GoldenStore;
  goldens: GoldenBuilder;
}

export interface CommandCall {
  /** The word after the command (`helix golden build`: build). */
  sub?: string;
  /** The words after that. */
  rest: string[];
  flags: Flags;
}

export interface Command {
  /** Its lines in `helix --help`. */
  usage: string;
  run(call: CommandCall, d: HostDeps): Promise<number>;
}

/** A required word, or a one-line error naming the command and what is missing. */
export function required(value: string | undefined, command: string, what: string): string {
  if (!value) throw new HelixError('BAD_FLAG', `helix ${command}: missing ${what}`);
  return value;
}

export function unknownSub(command: string, sub: string | undefined, known: readonly string[]): never {
  throw new HelixError('BAD_FLAG', `helix ${command}: unknown subcommand ${JSON.stringify(sub)}`, `use ${known.join(', ')}`);
}

/** The projects that have golden state on this host; an entry that is no project's is skipped, with one warning. */
export async function listProjects(store: GoldenStore, log: Logger): Promise<string[]> {
  const names = (await readdir(store.root).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
  for (const n of names.filter((x) => !isValidId('project', x))) log.warn(`${store.root}/${n} is not a project's golden directory (not a project id); skipped`);
  return names.filter((n) => isValidId('project', n));
}
