// `docker buildx build` options: the table of every flag buildx accepts (including the hidden ones kept
// for `docker build` compatibility), and the parsed build the wrapper works on from then on. Pure.
import { allOpts, isOn, lastOpt, OptionTable, scanOptions, type Flag } from './options.js';

export type { Flag };

/** Every flag of `docker buildx build` (buildx 0.13 to 0.29), with its shorthand. */
export const BUILD_FLAGS = new OptionTable([
  ['add-host', 'value'], ['allow', 'value'], ['annotation', 'value'], ['attest', 'value'],
  ['build-arg', 'value'], ['build-context', 'value'], ['builder', 'value'], ['cache-from', 'value'],
  ['cache-to', 'value'], ['call', 'value'], ['cgroup-parent', 'value'], ['check', 'bool'],
  ['debug', 'bool', 'D'], ['detach', 'bool'], ['file', 'value', 'f'], ['iidfile', 'value'],
  ['label', 'value'], ['load', 'bool'], ['metadata-file', 'value'], ['network', 'value'],
  ['no-cache', 'bool'], ['no-cache-filter', 'value'], ['output', 'value', 'o'], ['platform', 'value'],
  ['policy', 'value'], ['print', 'value'], ['progress', 'value'], ['provenance', 'value'], ['pull', 'bool'],
  ['push', 'bool'], ['quiet', 'bool', 'q'], ['sbom', 'value'], ['secret', 'value'], ['shm-size', 'value'],
  ['ssh', 'value'], ['tag', 'value', 't'], ['target', 'value'], ['ulimit', 'value'],
  // Hidden flags buildx keeps so that `docker build` command lines still parse.
  ['compress', 'bool'], ['force-rm', 'bool'], ['isolation', 'value'], ['rm', 'bool'],
  ['security-opt', 'value'], ['squash', 'bool'], ['stream', 'bool'], ['disable-content-trust', 'bool'],
  ['cpu-shares', 'value', 'c'], ['cpu-period', 'value'], ['cpu-quota', 'value'], ['cpuset-cpus', 'value'],
  ['cpuset-mems', 'value'], ['memory', 'value', 'm'], ['memory-swap', 'value'],
]);

/**
 * One build as the wrapper works on it, from the command line or from a compose service: its flags
 * (long names) and its positionals (the context). Made once, read by the plan, compose and bake.
 */
export interface ParsedBuild {
  flags: Flag[];
  positionals: string[];
}

export type ParseResult = { ok: true; build: ParsedBuild } | { ok: false; reason: string };

/** Parses the arguments after `build`. Fails (so the caller passes through) on anything unknown. */
export function parseBuildArgs(args: readonly string[]): ParseResult {
  const s = scanOptions(args, BUILD_FLAGS, { interspersed: true });
  if (s.error) return { ok: false, reason: s.error };
  return { ok: true, build: { flags: s.opts.map(({ name, value }) => ({ name, value })), positionals: s.positionals } };
}

export function values(b: ParsedBuild, name: string): string[] {
  return allOpts(b.flags, name);
}

export function lastValue(b: ParsedBuild, name: string): string | undefined {
  return lastOpt(b.flags, name);
}

export function isTrue(b: ParsedBuild, name: string): boolean {
  return isOn(b.flags, name);
}

/** "k=v" → ["k", "v"]; "k" alone takes its value from `env`, as buildx does (undefined if unset there). */
export function keyValue(s: string, env: Readonly<Record<string, string | undefined>> = {}): [string, string | undefined] {
  const eq = s.indexOf('=');
  return eq < 0 ? [s, env[s]] : [s.slice(0, eq), s.slice(eq + 1)];
}

/** The build's one context, or undefined when it has none or several. */
export function contextOf(b: ParsedBuild): string | undefined {
  return b.positionals.length === 1 ? b.positionals[0] : undefined;
}

/** The same build without the named flags. */
export function without(b: ParsedBuild, drop: readonly string[]): ParsedBuild {
  return { flags: b.flags.filter((f) => !drop.includes(f.name)), positionals: b.positionals };
}

/** The same build with more flags. */
export function withFlags(b: ParsedBuild, extra: readonly Flag[]): ParsedBuild {
  return { flags: [...b.flags, ...extra], positionals: b.positionals };
}

/** Renders the build back to argv in long form. */
export function renderArgs(b: ParsedBuild): string[] {
  const out = b.flags.map((f) => (BUILD_FLAGS.kind(f.name) === 'bool' && f.value === 'true' ? `--${f.name}` : `--${f.name}=${f.value}`));
  // A context path that looks like a flag must follow `--`.
  if (b.positionals.some((p) => p.startsWith('-') && p !== '-')) out.push('--');
  return [...out, ...b.positionals];
}
