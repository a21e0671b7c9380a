// Reads `docker compose ...` command lines: compose's global options, the subcommand, its options and
// the services named. Only build, up and run matter to the wrapper; a flag it does not know makes the
// whole line pass through untouched. Pure.

type Kind = 'value' | 'bool';
type Table = ReadonlyMap<string, { kind: Kind; long: string }>;

/** Every spelling ('--file', '-f') → its kind and long name (the first spelling). */
function table(spec: ReadonlyArray<[names: string, kind: Kind]>): Table {
  const m = new Map<string, { kind: Kind; long: string }>();
  for (const [names, kind] of spec) {
    const all = names.split('|');
    for (const n of all) m.set(n, { kind, long: all[0] as string });
  }
  return m;
}

const GLOBAL = table([
  ['--ansi', 'value'], ['--env-file', 'value'], ['--file|-f', 'value'], ['--parallel', 'value'], ['--profile', 'value'],
  ['--progress', 'value'], ['--project-directory', 'value'], ['--project-name|-p', 'value'],
  ['--compatibility', 'bool'], ['--dry-run', 'bool'], ['--all-resources', 'bool'],
]);

const BUILD = table([
  ['--build-arg', 'value'], ['--builder', 'value'], ['--memory|-m', 'value'], ['--provenance', 'value'], ['--sbom', 'value'],
  ['--ssh', 'value'], ['--check', 'bool'], ['--no-cache', 'bool'], ['--print', 'bool'], ['--pull', 'bool'], ['--push', 'bool'],
  ['--quiet|-q', 'bool'], ['--with-dependencies', 'bool'],
]);

const UP = table([
  ['--attach', 'value'], ['--exit-code-from', 'value'], ['--no-attach', 'value'], ['--pull', 'value'], ['--scale', 'value'],
  ['--timeout|-t', 'value'], ['--wait-timeout', 'value'],
  ['--abort-on-container-exit', 'bool'], ['--abort-on-container-failure', 'bool'], ['--always-recreate-deps', 'bool'],
  ['--build', 'bool'], ['--detach|-d', 'bool'], ['--force-recreate', 'bool'], ['--menu', 'bool'], ['--no-build', 'bool'],
  ['--no-color', 'bool'], ['--no-deps', 'bool'], ['--no-log-prefix', 'bool'], ['--no-recreate', 'bool'], ['--no-start', 'bool'],
  ['--quiet-build', 'bool'], ['--quiet-pull', 'bool'], ['--remove-orphans', 'bool'], ['--renew-anon-volumes|-V', 'bool'],
  ['--timestamps', 'bool'], ['--wait', 'bool'], ['--watch|-w', 'bool'], ['--yes|-y', 'bool'],
]);

const RUN = table([
  ['--cap-add', 'value'], ['--cap-drop', 'value'], ['--entrypoint', 'value'], ['--env|-e', 'value'], ['--env-from-file', 'value'],
  ['--label|-l', 'value'], ['--name', 'value'], ['--publish|-p', 'value'], ['--pull', 'value'], ['--user|-u', 'value'],
  ['--volume|-v', 'value'], ['--workdir|-w', 'value'],
  ['--build', 'bool'], ['--detach|-d', 'bool'], ['--interactive|-i', 'bool'], ['--no-deps', 'bool'], ['--no-TTY|-T', 'bool'],
  ['--quiet', 'bool'], ['--quiet-build', 'bool'], ['--quiet-pull', 'bool'], ['--remove-orphans', 'bool'], ['--rm', 'bool'],
  ['--service-ports|-P', 'bool'], ['--tty|-t', 'bool'], ['--use-aliases', 'bool'],
]);

const SUBCOMMANDS: Record<string, Table> = { build: BUILD, up: UP, run: RUN };

export interface Opt {
  /** Long name, whatever spelling was used. */
  name: string;
  value: string;
  /** Index of the option's first word in the compose argument list. */
  at: number;
}

export interface ComposeArgv {
  /** Compose's global options as given (-f, -p, --profile ...), to repeat on every compose call. */
  globals: string[];
  globalOpts: Opt[];
  sub: 'build' | 'up' | 'run';
  /** The subcommand's options, canonical long names. */
  opts: Opt[];
  /** build/up: the services named; run: the one service. */
  services: string[];
  /** The compose argument list as given. */
  words: string[];
}

interface Scan {
  opts: Opt[];
  next: number;
  ok: boolean;
}

/** Reads options from `start` until the first positional (or `--`). */
function scan(args: readonly string[], start: number, t: Table): Scan {
  const opts: Opt[] = [];
  let i = start;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? (eq > 0 ? a.slice(0, eq) : a) : a.slice(0, 2);
    const spec = t.get(name);
    if (!spec) return { opts, next: i, ok: false };
    if (spec.kind === 'bool') {
      if (!a.startsWith('--') && a.length > 2) return { opts, next: i, ok: false };
      opts.push({ name: spec.long, value: eq > 0 ? a.slice(eq + 1) : 'true', at: i });
      i += 1;
      continue;
    }
    const attached = a.startsWith('--') ? (eq > 0 ? a.slice(eq + 1) : undefined) : a.length > 2 ? a.slice(a[2] === '=' ? 3 : 2) : undefined;
    const value = attached ?? args[i + 1];
    if (value === undefined) return { opts, next: i, ok: false };
    opts.push({ name: spec.long, value, at: i });
    i += attached === undefined ? 2 : 1;
  }
  return { opts, next: i, ok: true };
}

/** `args` are the words after `compose`. Undefined: not a line the wrapper handles. */
export function parseComposeArgv(args: readonly string[]): ComposeArgv | undefined {
  const g = scan(args, 0, GLOBAL);
  if (!g.ok) return undefined;
  const sub = args[g.next];
  if (sub !== 'build' && sub !== 'up' && sub !== 'run') return undefined;
  const s = scan(args, g.next + 1, SUBCOMMANDS[sub] as Table);
  if (!s.ok) return undefined;
  let rest = args.slice(s.next);
  if (rest[0] === '--') rest = rest.slice(1);
  // run: the service, then the command for the container, which is not ours to read.
  const services = sub === 'run' ? rest.slice(0, 1) : rest;
  if (sub === 'run' && services.length === 0) return undefined;
  return { globals: args.slice(0, g.next), globalOpts: g.opts, sub, opts: s.opts, services, words: [...args] };
}

export function opt(c: { opts: Opt[] }, name: string): string | undefined {
  return c.opts.filter((o) => o.name === name).pop()?.value;
}

export function optAll(c: { opts: Opt[] }, name: string): string[] {
  return c.opts.filter((o) => o.name === name).map((o) => o.value);
}

export function flag(c: { opts: Opt[] }, name: string): boolean {
  const v = opt(c, name);
  return v !== undefined && v !== 'false';
}

/**
 * The same compose line, with the images already built: `up --build` becomes `up --no-build`, and
 * `run --build` loses `--build`. Only the words parsed as the --build option change.
 */
export function withoutBuild(c: ComposeArgv): string[] {
  const at = new Set(c.opts.filter((o) => o.name === '--build').map((o) => o.at));
  return c.words.flatMap((w, i) => (at.has(i) ? (c.sub === 'up' ? ['--no-build'] : []) : [w]));
}
