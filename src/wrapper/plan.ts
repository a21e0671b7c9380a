// Decides what a docker command line becomes: untouched, a plain buildx build on the shared builder,
// or a smart build (build once on the shared builder, then move the image only if it changed). Pure.
import type { ToolkitConfig } from '../lib/config.js';
import { isBuildCommand, parseDockerArgv } from './docker-argv.js';
import { isTrue, lastValue, parseBuildArgs, renderArgs, values, type ParsedBuild } from './build-flags.js';

export type Plan =
  | { kind: 'passthrough'; reason: string }
  | { kind: 'buildx'; reason: string; argv: string[] }
  | { kind: 'smart'; build: SmartBuild };

export interface SmartBuild {
  /** docker's global options, repeated on every call. */
  globals: string[];
  builder: string;
  /** The user's build options in long form, without the ones the smart path sets itself. */
  args: string[];
  /** The same for the load solve, whose progress output the user has already seen once. */
  loadArgs: string[];
  tags: string[];
  quiet: boolean;
  iidfile?: string;
  metadataFile?: string;
}

/** Flags the smart path replaces with its own. */
const MANAGED = ['builder', 'load', 'iidfile', 'metadata-file', 'quiet'];

function platformsOf(b: ParsedBuild): string[] {
  return values(b, 'platform').flatMap((p) => p.split(',')).filter(Boolean);
}

/** Why this build cannot take the smart path, or undefined if it can. */
function notSmart(b: ParsedBuild): string | undefined {
  if (values(b, 'output').length) return 'explicit --output';
  if (isTrue(b, 'push')) return '--push';
  if (values(b, 'call').length || values(b, 'print').length || isTrue(b, 'check')) return 'not an image build (--call/--check)';
  if (platformsOf(b).length > 1) return 'multi-platform build';
  if (values(b, 'attest').length || values(b, 'sbom').length || values(b, 'provenance').length) return 'attestations requested';
  if (b.positionals.includes('-') || lastValue(b, 'file') === '-') return 'context or Dockerfile on stdin';
  if (b.positionals.length !== 1) return 'needs exactly one context';
  return undefined;
}

export function decide(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cfg: ToolkitConfig): Plan {
  const d = parseDockerArgv(argv);
  if (!d || !isBuildCommand(d.command)) return { kind: 'passthrough', reason: 'not a build' };
  const parsed = parseBuildArgs(d.args);
  if (!parsed.ok) return { kind: 'passthrough', reason: parsed.reason };
  const b = parsed.build;
  const builder = lastValue(b, 'builder') ?? d.buildxBuilder ?? env.BUILDX_BUILDER;
  if (builder !== cfg.builderName) return { kind: 'passthrough', reason: `builder is ${builder ?? 'the default'}` };

  const why = notSmart(b);
  if (why) {
    // Still the shared builder, with buildx's own semantics; a plain `docker build` also loads the
    // result, as it would with the local builder, unless the user chose where it goes.
    const load = d.command[0] !== 'buildx' && !values(b, 'output').length && !isTrue(b, 'push') && !values(b, 'call').length && !isTrue(b, 'check');
    return {
      kind: 'buildx',
      reason: why,
      argv: [...d.globals, 'buildx', 'build', '--builder', builder, ...(load ? ['--load'] : []), ...renderArgs(b, ['builder'])],
    };
  }
  return {
    kind: 'smart',
    build: {
      globals: d.globals,
      builder,
      args: renderArgs(b, MANAGED),
      loadArgs: renderArgs(b, [...MANAGED, 'progress']),
      tags: values(b, 'tag'),
      quiet: isTrue(b, 'quiet'),
      iidfile: lastValue(b, 'iidfile'),
      metadataFile: lastValue(b, 'metadata-file'),
    },
  };
}
