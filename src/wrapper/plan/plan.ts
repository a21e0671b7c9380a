// Decides what a docker command line becomes: untouched, a plain buildx build on the shared builder,
// or a smart build (build once on the shared builder, then move the image only if it changed). Pure.
import type { ToolkitConfig } from '../../lib/config.js';
import type { EndpointInputs } from '../../lib/engine-endpoint.js';
import { ENV } from '../../lib/session-contract.js';
import { isTrue, lastValue, parseBuildArgs, renderArgs, values, withFlags, without, type ParsedBuild } from '../read/build-flags.js';
import { flag, opt, parseComposeArgv, type ComposeArgv } from '../read/compose-argv.js';
import { isBuildCommand, type DockerArgv } from '../read/docker-argv.js';
import { buildxBuild } from '../solve/buildx-invocation.js';
import { notSmartBake, parseBakeArgs, type BakeArgv } from '../read/bake-flags.js';
import { lastOpt } from '../read/options.js';
import { isTagName } from '../../lib/reference.js';
import { imageDestination, type ImageDestination } from './image-outputs.js';

type Env = Readonly<Record<string, string | undefined>>;

/** How docker was called: what every docker or buildx call the wrapper makes repeats. */
export type DockerCall = Pick<DockerArgv, 'globals' | 'configDir' | 'context' | 'host' | 'tls'>;

export type Plan =
  | { kind: 'passthrough'; reason: string }
  /** buildx's own semantics on the shared builder; `localArgv` when the shared BuildKit cannot be used. */
  | { kind: 'buildx'; reason: string; argv: string[]; localArgv: string[]; configDir?: string }
  /** A build only the session's own builder can run, run there as plain docker would. */
  | { kind: 'local'; reason: string; argv: string[]; configDir?: string }
  | { kind: 'smart'; build: SmartBuild }
  | { kind: 'compose'; docker: DockerCall; compose: ComposeArgv; builder: string }
  | { kind: 'bake'; docker: DockerCall; bake: BakeArgv; builder: string };

export interface SmartBuild {
  /** docker's global options, repeated on every call. */
  globals: string[];
  /** `--config DIR`, where the CLI looks for its plugins and config.json. */
  configDir?: string;
  /** What decides the daemon docker talks to, besides the environment and config.json. */
  endpoint: EndpointInputs;
  builder: string;
  /**
   * The user's build without the flags the smart path sets itself and without tags: the image
   * exporter would push every tag; tags are applied locally afterwards.
   */
  build: ParsedBuild;
  tags: string[];
  /** After landing, the daemon pushes the image under each tag (`--push`, `-o type=registry`). */
  push: boolean;
  quiet: boolean;
  iidfile?: string;
  metadataFile?: string;
  /** The cache mount namespace the user set, which runs inside the project's (absent: not theirs to see in the metadata file). */
  userCacheNamespace?: string;
  /** The context or the Dockerfile comes from stdin: it can be read by one solve only. */
  stdin: boolean;
  /** The same build on the local builder, for when the shared BuildKit is unreachable. */
  localArgv: string[];
  /**
   * The docker command line of the same build on the shared builder, loading as docker's own builder
   * does: what runs when the wrapper fails inside the build (the line unchanged would not load).
   */
  recoveryArgv: string[];
  /** Namespace of this project's transfers in the shared registry. */
  project: string;
}

/** What the caller looked up outside argv and env. */
export interface Facts {
  /** The builder `docker buildx use` selected, if any. */
  currentBuilder?: string;
  /** config.json's `aliases.builder` (`docker buildx install` sets it to `buildx`), if any. */
  builderAlias?: string;
}

/** The spellings Go's strconv.ParseBool reads as true; the docker CLI and compose read DOCKER_BUILDKIT with it. */
const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/**
 * Why a build would not use BuildKit at all: DOCKER_BUILDKIT false (the legacy builder) or not a
 * boolean (docker's own error). The CLI counts a variable set to "" as set; compose ignores it.
 */
function buildkitOff(env: Env, emptyCounts: boolean): string | undefined {
  const v = env.DOCKER_BUILDKIT;
  if (v === undefined || (v === '' && !emptyCounts) || PARSE_BOOL_TRUE.has(v)) return undefined;
  return `DOCKER_BUILDKIT=${v}: not a BuildKit build`;
}

/** Flags the smart path replaces with its own. */
const MANAGED = ['builder', 'load', 'iidfile', 'metadata-file', 'quiet', 'output', 'push'];

function platformsOf(b: ParsedBuild): string[] {
  return values(b, 'platform').flatMap((p) => p.split(',')).filter(Boolean);
}

/** Where buildx sends the result itself: the user named an output, a push, or no image at all. */
function explicitDestination(b: ParsedBuild): boolean {
  return values(b, 'output').length > 0 || isTrue(b, 'push') || values(b, 'call').length > 0 || isTrue(b, 'check');
}

/** Where the image goes: the daemon (pushed from there, maybe), or elsewhere (undefined). */
function destinationOf(b: ParsedBuild): ImageDestination | undefined {
  return imageDestination(values(b, 'output'), isTrue(b, 'push'));
}

/** The names the image gets in the daemon: the tags or, without any, the outputs' names (buildx's rule). */
function namesOf(b: ParsedBuild, dest: ImageDestination): string[] {
  const tags = values(b, 'tag');
  return [...new Set(tags.length ? tags : dest.names)];
}

/** Why this build cannot take the smart path, or undefined if it can. */
function notSmart(b: ParsedBuild): string | undefined {
  const dest = destinationOf(b);
  if (!dest) return 'explicit --output';
  // buildx's own error ("tag is needed when pushing to registry").
  if (dest.push && namesOf(b, dest).length === 0) return 'a push without a name';
  if (values(b, 'call').length || values(b, 'print').length || isTrue(b, 'check')) return 'not an image build (--call/--check)';
  if (platformsOf(b).length > 1) return 'multi-platform build';
  if (values(b, 'attest').length || values(b, 'sbom').length || values(b, 'provenance').length) return 'attestations requested';
  if (b.positionals.length !== 1) return 'needs exactly one context';
  // Tags are applied after the solve: one docker refuses is for buildx to refuse, before building.
  if (namesOf(b, dest).some((t) => !isTagName(t))) return 'a tag docker refuses';
  return undefined;
}

/**
 * Why only the session's own builder can run this build: the shared BuildKit runs every build in a
 * network of its own, and a build in its host network would sit on the sandbox's network, next to
 * the registry and every other session.
 */
export function needsLocalBuilder(b: ParsedBuild): string | undefined {
  return lastValue(b, 'network') === 'host' ? '--network=host needs the session\'s own builder' : undefined;
}

/** The local builder of the current context is named after the context; its docker driver loads. */
export function localBuilderName(call: Pick<DockerCall, 'context'>, env: Env): string {
  return call.context ?? env.DOCKER_CONTEXT ?? 'default';
}

/** BuildKit's Dockerfile frontend prefixes every cache mount's id with this build argument. */
export const CACHE_NS_ARG = 'BUILDKIT_CACHE_MOUNT_NS';

/** The project a build belongs to: its namespace in the registry and for cache mounts. */
export function projectOf(env: Env): string {
  return env[ENV.project] || 'default';
}

/**
 * The cache mount namespace a build runs with: the project's, always. A value the user (or a project
 * file) sets becomes a namespace inside it, never another project's: project ids have no '/'. Pure.
 */
export function cacheNamespace(project: string, user: string | undefined): string {
  return user === undefined ? project : `${project}/${user}`;
}

/**
 * The build with its cache mounts in the project's namespace: one buildkitd serves every project, and
 * a `RUN --mount=type=cache` id would otherwise be one directory for all of them. Layers stay shared:
 * only steps with a cache mount get a project-specific cache key.
 */
export function withCacheNamespace(b: ParsedBuild, project: string): ParsedBuild {
  const user = userCacheNamespace(b);
  const flags = b.flags.filter((f) => !(f.name === 'build-arg' && isCacheNamespaceArg(f.value ?? '')));
  return withFlags({ ...b, flags }, [{ name: 'build-arg', value: `${CACHE_NS_ARG}=${cacheNamespace(project, user)}` }]);
}

const isCacheNamespaceArg = (a: string) => a === CACHE_NS_ARG || a.startsWith(`${CACHE_NS_ARG}=`);

/** The value the user's last BUILDKIT_CACHE_MOUNT_NS build argument gives (a bare name: from the environment, as docker reads it). */
function userCacheNamespace(b: ParsedBuild): string | undefined {
  const a = values(b, 'build-arg').filter(isCacheNamespaceArg).pop();
  if (a === undefined) return undefined;
  return a === CACHE_NS_ARG ? process.env[CACHE_NS_ARG] : a.slice(CACHE_NS_ARG.length + 1);
}

/** The argv of a tarball load: the solve's build with the tags, without progress output (the user has seen it once). */
export function loadArgsOf(s: SmartBuild): string[] {
  return renderArgs(withFlags(without(s.build, ['progress']), s.tags.map((value) => ({ name: 'tag', value }))));
}

/**
 * A build on the shared builder: the smart path, or buildx's own semantics where the build asks for
 * them. `loads`: docker build (not buildx build) loads the result when nothing else says where it goes.
 */
export function planBuild(user: ParsedBuild, call: DockerCall, builder: string, env: Env, loads: boolean): Plan {
  const project = projectOf(env);
  const localArgv = buildxBuild(call.globals, localBuilderName(call, env), renderArgs(without(user, ['builder'])));
  const local = needsLocalBuilder(user);
  if (local) return { kind: 'local', reason: local, argv: localArgv, configDir: call.configDir };
  const b = withCacheNamespace(user, project);
  const why = notSmart(b);
  const dest = destinationOf(b);
  if (why || !dest) {
    const load = loads && !explicitDestination(b);
    return {
      kind: 'buildx',
      reason: why ?? 'explicit --output',
      argv: buildxBuild(call.globals, builder, [...(load ? ['--load'] : []), ...renderArgs(without(b, ['builder']))]),
      localArgv,
      configDir: call.configDir,
    };
  }
  return {
    kind: 'smart',
    build: {
      globals: call.globals,
      configDir: call.configDir,
      endpoint: { context: call.context, host: call.host, tls: call.tls },
      builder,
      build: without(b, [...MANAGED, 'tag']),
      tags: namesOf(b, dest),
      push: dest.push,
      quiet: isTrue(b, 'quiet'),
      iidfile: lastValue(b, 'iidfile'),
      metadataFile: lastValue(b, 'metadata-file'),
      userCacheNamespace: userCacheNamespace(user),
      stdin: b.positionals.includes('-') || lastValue(b, 'file') === '-',
      localArgv,
      // With the cache namespace: the shared builder's cache mounts stay the project's own.
      recoveryArgv: buildxBuild(call.globals, builder, ['--load', ...renderArgs(without(b, ['builder', 'load']))]),
      project,
    },
  };
}

/** The plan for a command line, parsed once by the caller (parseDockerArgv; undefined: not one it reads). */
export function decide(d: DockerArgv | undefined, env: Env, cfg: ToolkitConfig, facts: Facts = {}): Plan {
  if (d?.command[0] === 'compose') return decideCompose(d, env, cfg, facts);
  if (d?.command.join(' ') === 'buildx bake') return decideBake(d, env, cfg, facts);
  if (!d || !isBuildCommand(d.command)) return { kind: 'passthrough', reason: 'not a build' };
  // `docker build` (and `image build`, `builder build`) is the CLI's: it forwards to buildx only with
  // BuildKit on, and then on the current context's builder unless a builder is named, or
  // `docker buildx install` made buildx the builder (then buildx's own choice, `buildx use`, holds).
  const cli = d.command[0] !== 'buildx';
  const off = cli ? buildkitOff(env, true) : undefined;
  if (off) return { kind: 'passthrough', reason: off };
  const parsed = parseBuildArgs(d.args);
  if (!parsed.ok) return { kind: 'passthrough', reason: parsed.reason };
  const b = parsed.build;
  const selected = cli && facts.builderAlias !== 'buildx' ? undefined : facts.currentBuilder;
  const builder = lastValue(b, 'builder') ?? d.buildxBuilder ?? (env[ENV.buildxBuilder] || undefined) ?? selected;
  if (builder !== cfg.builderName) return { kind: 'passthrough', reason: `builder is ${builder ?? 'the default'}` };
  return planBuild(b, d, builder, env, d.command[0] !== 'buildx');
}

/** `buildx bake` that loads images, on the shared builder; printing, pushing and checking stay buildx's. */
function decideBake(d: DockerArgv, env: Env, cfg: ToolkitConfig, facts: Facts): Plan {
  const parsed = parseBakeArgs(d.args);
  if (!parsed.ok) return { kind: 'passthrough', reason: parsed.reason };
  const builder = lastOpt(parsed.bake.opts, 'builder') ?? d.buildxBuilder ?? (env[ENV.buildxBuilder] || undefined) ?? facts.currentBuilder;
  if (builder !== cfg.builderName) return { kind: 'passthrough', reason: `builder is ${builder ?? 'the default'}` };
  const why = notSmartBake(parsed.bake);
  if (why) return { kind: 'passthrough', reason: why };
  return { kind: 'bake', docker: d, bake: parsed.bake, builder };
}

/** compose build, up, create and run on the shared builder; everything else untouched. */
function decideCompose(d: DockerArgv, env: Env, cfg: ToolkitConfig, facts: Facts): Plan {
  const c = parseComposeArgv(d.args);
  if (!c) return { kind: 'passthrough', reason: 'not a compose build' };
  // Compose builds with its classic builder then (or fails on a value that is not a boolean).
  const off = buildkitOff(env, false);
  if (off) return { kind: 'passthrough', reason: off };
  if (flag({ opts: c.globalOpts }, 'dry-run')) return { kind: 'passthrough', reason: 'compose --dry-run builds nothing' };
  if (c.sub !== 'build' && !flag(c, 'build') && flag(c, 'no-build')) return { kind: 'passthrough', reason: `compose ${c.sub} --no-build` };
  if (c.sub === 'build' && (flag(c, 'print') || flag(c, 'check') || opt(c, 'provenance') || opt(c, 'sbom') || opt(c, 'memory'))) {
    return { kind: 'passthrough', reason: 'compose build with options only compose implements' };
  }
  const builder = opt(c, 'builder') ?? (env[ENV.buildxBuilder] || undefined) ?? facts.currentBuilder;
  if (builder !== cfg.builderName) return { kind: 'passthrough', reason: `builder is ${builder ?? 'the default'}` };
  return { kind: 'compose', docker: d, compose: c, builder };
}
