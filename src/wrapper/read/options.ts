// The one option scanner the wrapper reads docker, buildx and compose command lines with, driven by a
// table per CLI. It reads options as pflag (cobra) does: `--name value`, `--name=value`, a bool as
// `--name` or `--name=false`, shorthands clustered (`-qt name`), attached (`-tname`) or with `=`. Pure.

export type Kind = 'value' | 'bool';

/** One option: its long name (no dashes), kind and one-letter shorthand. */
export type OptionSpec = readonly [long: string, kind: Kind, short?: string];

export class OptionTable {
  private readonly kinds: ReadonlyMap<string, Kind>;
  private readonly shorts: ReadonlyMap<string, string>;

  constructor(readonly specs: readonly OptionSpec[]) {
    this.kinds = new Map(specs.map(([l, k]) => [l, k]));
    this.shorts = new Map(specs.filter((s) => s[2]).map(([l, , s]) => [s as string, l]));
  }

  kind(long: string): Kind | undefined {
    return this.kinds.get(long);
  }

  longOf(short: string): string | undefined {
    return this.shorts.get(short);
  }

  /** Every spelling of the options that take a value (`--host`, `-H`), as a shell script must skip them. */
  valueSpellings(): string[] {
    return this.specs.filter(([, k]) => k === 'value').flatMap(([l, , s]) => [`--${l}`, ...(s ? [`-${s}`] : [])]);
  }
}

export interface Flag {
  /** Long name without dashes, whatever spelling was used. */
  name: string;
  /** The value; for a bool, 'true' or what followed `=`. */
  value: string;
}

export interface Opt extends Flag {
  /** Index of the option's first word in the scanned list. */
  at: number;
}

export interface Scan {
  opts: Opt[];
  positionals: string[];
  /** Where scanning stopped: the first positional (not interspersed) or the end. */
  next: number;
  /** Why the line cannot be read (an option the table lacks, a missing value); the caller passes it through. */
  error?: string;
}

export interface ScanMode {
  start?: number;
  /** Options may follow positionals (cobra's default); else the first positional ends the scan. */
  interspersed?: boolean;
}

/** Reads options from `args` by the table. `--` ends the options; what follows it is positional. */
export function scanOptions(args: readonly string[], t: OptionTable, mode: ScanMode = {}): Scan {
  const opts: Opt[] = [];
  const positionals: string[] = [];
  const fail = (i: number, error: string): Scan => ({ opts, positionals, next: i, error });
  let i = mode.start ?? 0;
  while (i < args.length) {
    const a = args[i] as string;
    if (a === '--') {
      if (mode.interspersed) positionals.push(...args.slice(i + 1));
      return { opts, positionals, next: mode.interspersed ? args.length : i };
    }
    if (a === '-' || !a.startsWith('-')) {
      if (!mode.interspersed) break;
      positionals.push(a);
      i += 1;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const kind = t.kind(name);
      if (!kind) return fail(i, `unknown flag --${name}`);
      if (eq > 0) opts.push({ name, value: a.slice(eq + 1), at: i });
      else if (kind === 'bool') opts.push({ name, value: 'true', at: i });
      else {
        const v = args[i + 1];
        if (v === undefined) return fail(i, `flag --${name} needs a value`);
        opts.push({ name, value: v, at: i });
        i += 1;
      }
      i += 1;
      continue;
    }
    // A cluster of shorthands: -qt name, -tname, -t=name, -q.
    let words = 1;
    for (let j = 1; j < a.length; j++) {
      const name = t.longOf(a[j] as string);
      if (!name) return fail(i, `unknown shorthand -${a[j]}`);
      if (t.kind(name) === 'bool') {
        opts.push({ name, value: 'true', at: i });
        continue;
      }
      let v: string | undefined = a.slice(j + 1);
      if (v.startsWith('=')) v = v.slice(1);
      else if (v === '') {
        v = args[i + 1];
        words = 2;
      }
      if (v === undefined) return fail(i, `flag -${a[j]} needs a value`);
      opts.push({ name, value: v, at: i });
      break;
    }
    i += words;
  }
  return { opts, positionals, next: i };
}

/** The last value given for an option. */
export function lastOpt(opts: readonly Flag[], name: string): string | undefined {
  return allOpts(opts, name).pop();
}

export function allOpts(opts: readonly Flag[], name: string): string[] {
  return opts.filter((o) => o.name === name).map((o) => o.value);
}

/** A bool option is on: given, and not `=false` or `=0`. */
export function isOn(opts: readonly Flag[], name: string): boolean {
  const v = lastOpt(opts, name);
  return v !== undefined && v !== 'false' && v !== '0';
}
