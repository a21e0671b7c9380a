// A parser for `docker buildx build` options, driven by a table of every flag buildx accepts (including
// the hidden ones kept for `docker build` compatibility), reading long, short, attached, `=` and
// clustered short forms as pflag does. Pure.

type Kind = 'value' | 'bool';

/** Every flag of `docker buildx build` (buildx 0.13 to 0.29), long name → kind, with its shorthand. */
const FLAGS: ReadonlyArray<[long: string, kind: Kind, short?: string]> = [
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
];

const BY_LONG = new Map(FLAGS.map(([l, k]) => [l, k]));
const BY_SHORT = new Map(FLAGS.filter((f) => f[2]).map(([l, , s]) => [s as string, l]));

export interface Flag {
  /** Long name without dashes, whatever spelling was used. */
  name: string;
  /** The value; for a bool flag, 'true' or what followed `=`. */
  value: string;
}

export interface ParsedBuild {
  flags: Flag[];
  positionals: string[];
}

export type ParseResult = { ok: true; build: ParsedBuild } | { ok: false; reason: string };

/** Parses the arguments after `build`. Fails (so the caller passes through) on anything unknown. */
export function parseBuildArgs(args: readonly string[]): ParseResult {
  const flags: Flag[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a === '-' || !a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const kind = BY_LONG.get(name);
      if (!kind) return { ok: false, reason: `unknown flag --${name}` };
      if (eq > 0) {
        flags.push({ name, value: a.slice(eq + 1) });
      } else if (kind === 'bool') {
        flags.push({ name, value: 'true' });
      } else {
        const v = args[i + 1];
        if (v === undefined) return { ok: false, reason: `flag --${name} needs a value` };
        flags.push({ name, value: v });
        i += 1;
      }
      continue;
    }
    // A cluster of shorthands: -qt name, -tname, -t=name, -q.
    for (let j = 1; j < a.length; j++) {
      const long = BY_SHORT.get(a[j] as string);
      if (!long) return { ok: false, reason: `unknown shorthand -${a[j]}` };
      if (BY_LONG.get(long) === 'bool') {
        flags.push({ name: long, value: 'true' });
        continue;
      }
      let v: string | undefined = a.slice(j + 1);
      if (v.startsWith('=')) v = v.slice(1);
      else if (v === '') {
        v = args[i + 1];
        i += 1;
      }
      if (v === undefined) return { ok: false, reason: `flag -${a[j]} needs a value` };
      flags.push({ name: long, value: v });
      break;
    }
  }
  return { ok: true, build: { flags, positionals } };
}

export function values(b: ParsedBuild, name: string): string[] {
  return b.flags.filter((f) => f.name === name).map((f) => f.value);
}

export function lastValue(b: ParsedBuild, name: string): string | undefined {
  return values(b, name).pop();
}

export function isTrue(b: ParsedBuild, name: string): boolean {
  const v = lastValue(b, name);
  return v !== undefined && v !== 'false' && v !== '0';
}

/** Renders the parsed arguments back to argv in long form, leaving out the named flags. */
export function renderArgs(b: ParsedBuild, drop: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const f of b.flags) {
    if (drop.includes(f.name)) continue;
    out.push(BY_LONG.get(f.name) === 'bool' && f.value === 'true' ? `--${f.name}` : `--${f.name}=${f.value}`);
  }
  // A context path that looks like a flag must follow `--`.
  if (b.positionals.some((p) => p.startsWith('-') && p !== '-')) out.push('--');
  return [...out, ...b.positionals];
}
