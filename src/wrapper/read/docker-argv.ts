// Splits a docker command line into docker's global options, the command path and the command's own
// arguments, the way the docker CLI (cobra/pflag) reads it. Pure.
import { lastOpt, OptionTable, scanOptions } from './options.js';

/** docker's global options. The sh shim skips the values of the same options (test/wrapper/shim.test.ts). */
export const DOCKER_GLOBALS = new OptionTable([
  ['config', 'value'], ['context', 'value', 'c'], ['host', 'value', 'H'], ['log-level', 'value', 'l'],
  ['tlscacert', 'value'], ['tlscert', 'value'], ['tlskey', 'value'],
  ['debug', 'bool', 'D'], ['tls', 'bool'], ['tlsverify', 'bool'],
]);

/** `docker buildx` options that come before its subcommand. */
export const BUILDX_GLOBALS = new OptionTable([['builder', 'value'], ['debug', 'bool', 'D']]);

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

/** Returns undefined when the line uses something we do not understand: the caller passes it through. */
export function parseDockerArgv(argv: readonly string[]): DockerArgv | undefined {
  const g = scanOptions(argv, DOCKER_GLOBALS);
  if (g.error || argv[g.next] === '--') return undefined;
  const out: DockerArgv = {
    globals: argv.slice(0, g.next),
    context: lastOpt(g.opts, 'context'),
    host: lastOpt(g.opts, 'host'),
    configDir: lastOpt(g.opts, 'config'),
    tls: g.opts.some((o) => o.name.startsWith('tls')),
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
    const b = scanOptions(argv, BUILDX_GLOBALS, { start: i });
    if (b.error || argv[b.next] === '--') return undefined;
    out.buildxGlobals = argv.slice(i, b.next);
    out.buildxBuilder = lastOpt(b.opts, 'builder');
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
