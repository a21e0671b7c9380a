// Splits a docker command line into docker's global options, the command path and the command's own
// arguments, the way the docker CLI (cobra/pflag) reads it. Pure.

/** docker's global options that take a value, by every spelling. */
const GLOBAL_VALUE = new Set(['--config', '--context', '-c', '--host', '-H', '--log-level', '-l', '--tlscacert', '--tlscert', '--tlskey']);
const GLOBAL_BOOL = new Set(['--debug', '-D', '--tls', '--tlsverify']);
/** `docker buildx` options that come before its subcommand. */
const BUILDX_VALUE = new Set(['--builder']);
const BUILDX_BOOL = new Set(['--debug', '-D']);

export interface DockerArgv {
  /** Global options exactly as given, to repeat on every docker call we make. */
  globals: string[];
  /** Values of the globals that matter to us. */
  context?: string;
  host?: string;
  configDir?: string;
  /** A TLS option was given: the daemon is reached over TLS, which only the CLI sets up. */
  tls: boolean;
  /** e.g. ['build'], ['image', 'build'], ['buildx', 'build']. Empty when no command was given. */
  command: string[];
  /** `docker buildx --builder X build`: the builder given before the subcommand. */
  buildxBuilder?: string;
  /** Options given to buildx before its subcommand (e.g. --builder X, -D), to repeat as given. */
  buildxGlobals: string[];
  /** Everything after the command path. */
  args: string[];
}

interface OptionScan {
  consumed: string[];
  values: Map<string, string>;
  next: number;
  /** True when an option we do not know stopped the scan. */
  unknown: boolean;
}

// Reads options until the first positional. `--opt=value` and `-Xvalue` forms count as one word.
function scanOptions(argv: readonly string[], start: number, valueOpts: Set<string>, boolOpts: Set<string>): OptionScan {
  const consumed: string[] = [];
  const values = new Map<string, string>();
  let i = start;
  while (i < argv.length) {
    const a = argv[i] as string;
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--') return { consumed, values, next: i, unknown: true };
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a.startsWith('--') ? a : a.slice(0, 2);
    if (valueOpts.has(name)) {
      let value: string | undefined;
      if (a.startsWith('--')) value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
      else value = a.length > 2 ? a.slice(a[2] === '=' ? 3 : 2) : argv[i + 1];
      if (value === undefined) return { consumed, values, next: i, unknown: true };
      const words = (a.startsWith('--') && eq > 0) || (!a.startsWith('--') && a.length > 2) ? 1 : 2;
      consumed.push(...argv.slice(i, i + words));
      values.set(name, value);
      i += words;
    } else if (boolOpts.has(name) && (a.startsWith('--') || a.length === 2)) {
      consumed.push(a);
      i += 1;
    } else {
      return { consumed, values, next: i, unknown: true };
    }
  }
  return { consumed, values, next: i, unknown: false };
}

function firstValue(values: Map<string, string>, ...names: string[]): string | undefined {
  for (const n of names) if (values.has(n)) return values.get(n);
  return undefined;
}

/** Returns undefined when the line uses something we do not understand: the caller passes it through. */
export function parseDockerArgv(argv: readonly string[]): DockerArgv | undefined {
  const g = scanOptions(argv, 0, GLOBAL_VALUE, GLOBAL_BOOL);
  if (g.unknown) return undefined;
  const out: DockerArgv = {
    globals: g.consumed,
    context: firstValue(g.values, '--context', '-c'),
    host: firstValue(g.values, '--host', '-H'),
    configDir: firstValue(g.values, '--config'),
    tls: g.consumed.some((a) => a.startsWith('--tls')),
    command: [],
    buildxGlobals: [],
    args: [],
  };
  let i = g.next;
  const first = argv[i];
  if (first === undefined) return out;
  out.command.push(first);
  i += 1;
  if (first === 'buildx') {
    const b = scanOptions(argv, i, BUILDX_VALUE, BUILDX_BOOL);
    if (b.unknown) return undefined;
    out.buildxGlobals = b.consumed;
    out.buildxBuilder = b.values.get('--builder');
    i = b.next;
  }
  if (first === 'buildx' || first === 'image' || first === 'builder') {
    const sub = argv[i];
    if (sub !== undefined) {
      out.command.push(sub);
      i += 1;
    }
  }
  out.args = argv.slice(i);
  return out;
}

/** True for every spelling of "build an image" that docker accepts. */
export function isBuildCommand(command: readonly string[]): boolean {
  const c = command.join(' ');
  return c === 'build' || c === 'image build' || c === 'builder build' || c === 'buildx build' || c === 'buildx b';
}
