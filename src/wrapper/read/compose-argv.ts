// Reads `docker compose ...` command lines: compose's global options, the subcommand, its options and
// the services named. Only build, up and run matter to the wrapper; a flag it does not know makes the
// whole line pass through untouched. Pure.
import { allOpts, isOn, lastOpt, OptionTable, scanOptions, type Opt } from './options.js';

const GLOBAL = new OptionTable([
  ['ansi', 'value'], ['env-file', 'value'], ['file', 'value', 'f'], ['parallel', 'value'], ['profile', 'value'],
  ['progress', 'value'], ['project-directory', 'value'], ['project-name', 'value', 'p'],
  ['compatibility', 'bool'], ['dry-run', 'bool'], ['all-resources', 'bool'],
]);

const BUILD = new OptionTable([
  ['build-arg', 'value'], ['builder', 'value'], ['memory', 'value', 'm'], ['provenance', 'value'], ['sbom', 'value'],
  ['ssh', 'value'], ['check', 'bool'], ['no-cache', 'bool'], ['print', 'bool'], ['pull', 'bool'], ['push', 'bool'],
  ['quiet', 'bool', 'q'], ['with-dependencies', 'bool'],
]);

const UP = new OptionTable([
  ['attach', 'value'], ['exit-code-from', 'value'], ['no-attach', 'value'], ['pull', 'value'], ['scale', 'value'],
  ['timeout', 'value', 't'], ['wait-timeout', 'value'],
  ['abort-on-container-exit', 'bool'], ['abort-on-container-failure', 'bool'], ['always-recreate-deps', 'bool'],
  ['build', 'bool'], ['detach', 'bool', 'd'], ['force-recreate', 'bool'], ['menu', 'bool'], ['no-build', 'bool'],
  ['no-color', 'bool'], ['no-deps', 'bool'], ['no-log-prefix', 'bool'], ['no-recreate', 'bool'], ['no-start', 'bool'],
  ['quiet-build', 'bool'], ['quiet-pull', 'bool'], ['remove-orphans', 'bool'], ['renew-anon-volumes', 'bool', 'V'],
  ['timestamps', 'bool'], ['wait', 'bool'], ['watch', 'bool', 'w'], ['yes', 'bool', 'y'],
]);

const RUN = new OptionTable([
  ['cap-add', 'value'], ['cap-drop', 'value'], ['entrypoint', 'value'], ['env', 'value', 'e'], ['env-from-file', 'value'],
  ['label', 'value', 'l'], ['name', 'value'], ['publish', 'value', 'p'], ['pull', 'value'], ['user', 'value', 'u'],
  ['volume', 'value', 'v'], ['workdir', 'value', 'w'],
  ['build', 'bool'], ['detach', 'bool', 'd'], ['interactive', 'bool', 'i'], ['no-deps', 'bool'], ['no-TTY', 'bool', 'T'],
  ['quiet', 'bool'], ['quiet-build', 'bool'], ['quiet-pull', 'bool'], ['remove-orphans', 'bool'], ['rm', 'bool'],
  ['service-ports', 'bool', 'P'], ['tty', 'bool', 't'], ['use-aliases', 'bool'],
]);

const CREATE = new OptionTable([
  ['pull', 'value'], ['scale', 'value'],
  ['build', 'bool'], ['force-recreate', 'bool'], ['no-build', 'bool'], ['no-recreate', 'bool'], ['quiet-pull', 'bool'],
  ['remove-orphans', 'bool'], ['yes', 'bool', 'y'],
]);

const SUBCOMMANDS = { build: BUILD, up: UP, run: RUN, create: CREATE };

export interface ComposeArgv {
  /** Compose's global options as given (-f, -p, --profile ...), to repeat on every compose call. */
  globals: string[];
  globalOpts: Opt[];
  sub: keyof typeof SUBCOMMANDS;
  /** The subcommand's options, long names; `at` indexes `words`. */
  opts: Opt[];
  /** build/up: the services named; run: the one service. */
  services: string[];
  /** The compose argument list as given. */
  words: string[];
}

/** `args` are the words after `compose`. Undefined: not a line the wrapper handles. */
export function parseComposeArgv(args: readonly string[]): ComposeArgv | undefined {
  const g = scanOptions(args, GLOBAL);
  if (g.error) return undefined;
  const sub = args[g.next];
  if (sub === undefined || !Object.hasOwn(SUBCOMMANDS, sub)) return undefined;
  const s = scanOptions(args, SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS], { start: g.next + 1 });
  if (s.error) return undefined;
  let rest = args.slice(s.next);
  if (rest[0] === '--') rest = rest.slice(1);
  // run: the service, then the command for the container, which is not ours to read.
  const services = sub === 'run' ? rest.slice(0, 1) : rest;
  if (sub === 'run' && services.length === 0) return undefined;
  return { globals: args.slice(0, g.next), globalOpts: g.opts, sub: sub as keyof typeof SUBCOMMANDS, opts: s.opts, services, words: [...args] };
}

export function opt(c: { opts: Opt[] }, name: string): string | undefined {
  return lastOpt(c.opts, name);
}

export function optAll(c: { opts: Opt[] }, name: string): string[] {
  return allOpts(c.opts, name);
}

export function flag(c: { opts: Opt[] }, name: string): boolean {
  return isOn(c.opts, name);
}

/**
 * The same compose line, with the images already built: `up --build` becomes `up --no-build`, `run
 * --build` loses `--build`, and `up`/`create` without --build get `--no-build`. Only the words parsed
 * as the --build option change, or the option is added right after the subcommand.
 */
export function withoutBuild(c: ComposeArgv): string[] {
  const noBuild = c.sub === 'run' ? [] : ['--no-build'];
  const at = new Set(c.opts.filter((o) => o.name === 'build').map((o) => o.at));
  if (!at.size) {
    const subAt = c.globals.length;
    return [...c.words.slice(0, subAt + 1), ...noBuild, ...c.words.slice(subAt + 1)];
  }
  return c.words.flatMap((w, i) => (at.has(i) ? noBuild : [w]));
}

/** `up`, `create` and `run` without --build still build the images they miss, as compose would. */
export function buildsImplicitly(c: ComposeArgv): boolean {
  return c.sub !== 'build' && !flag(c, 'build') && !flag(c, 'no-build');
}
