// Turns a compose project (`docker compose config --format json`) into parsed builds, one per service,
// in dependency order: a service whose Dockerfile builds FROM another service's image waits for it. Pure.
import { isAbsolute, join } from 'node:path';
import { HelixError } from '../../lib/errors.js';
import type { Flag, ParsedBuild } from '../read/build-flags.js';
import { isTagName, qualifiedName } from '../../lib/reference.js';

export interface ComposeBuildSpec {
  context?: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  additional_contexts?: Record<string, string>;
  secrets?: Array<{ source: string; target?: string }>;
  ssh?: string[] | Record<string, string>;
  tags?: string[];
  labels?: Record<string, string> | string[];
  cache_from?: string[];
  cache_to?: string[];
  platforms?: string[];
  network?: string;
  extra_hosts?: string[] | Record<string, string | string[]>;
  shm_size?: number | string;
  no_cache?: boolean;
  pull?: boolean;
  ulimits?: Record<string, number | { soft: number; hard: number }>;
}

/** The build keys the wrapper runs as compose would; a service using any other is compose's to build. */
const KNOWN_BUILD_KEYS = new Set([
  'context', 'dockerfile', 'dockerfile_inline', 'args', 'target', 'additional_contexts', 'secrets', 'ssh', 'tags', 'labels',
  'cache_from', 'cache_to', 'platforms', 'network', 'extra_hosts', 'shm_size', 'no_cache', 'pull', 'ulimits',
]);

/** A key compose printed with a value that says something (compose prints some as empty). */
function set(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  return typeof v !== 'object' || Object.keys(v).length > 0;
}

export interface ComposeService {
  image?: string;
  pull_policy?: string;
  build?: ComposeBuildSpec;
  depends_on?: Record<string, unknown> | string[];
}

export interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

/** Options of `docker compose build` (or implied by up/run) that apply to every service. */
export interface ComposeBuildOptions {
  buildArgs: string[];
  noCache: boolean;
  pull: boolean;
  ssh: string[];
  progress?: string;
  /** Add depends_on services of the selection (up and run unless --no-deps; build --with-dependencies). */
  withDependencies: boolean;
  /** The version compose labels its images with (major.minor.patch). */
  composeVersion: string;
}

/** The labels compose adds to every image it builds, after the service's own. */
export const COMPOSE_LABELS = { version: 'com.docker.compose.version', project: 'com.docker.compose.project', service: 'com.docker.compose.service' } as const;

export interface ServiceBuild {
  service: string;
  /** The image compose expects: `image:` or `<project>-<service>`. */
  image: string;
  /** The service names its image (`image:`): `build --push` pushes only those. */
  named: boolean;
  /** The build compose would run for the service. */
  build: ParsedBuild;
  /** A Dockerfile given inline; the executor writes it to a file and adds --file. */
  inlineDockerfile?: string;
  /** Images of other services this build uses, with the reference it uses them by. */
  needs: Array<{ service: string; ref: string }>;
}

/** Every string of compose's output with `$$` read back as the `$` it stands for. */
function unescapeDollars<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/\$\$/g, () => '$') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => unescapeDollars(v)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unescapeDollars(v)])) as T;
  return value;
}

/**
 * The project in `docker compose config --format json` output. Compose writes a literal `$` there as
 * `$$`, so that its output is a compose file again (2.26 and 2.40 alike); the build gets the `$`.
 */
export function projectOf(configJson: string): ComposeProject {
  return unescapeDollars(JSON.parse(configJson) as ComposeProject);
}

/** A project the wrapper cannot plan; compose itself decides what such a line does. */
export class ComposePlanError extends HelixError {
  constructor(message: string) {
    super('BAD_CONFIG', message);
  }
}

export function imageOf(project: ComposeProject, service: string): string {
  return project.services[service]?.image ?? `${project.name}-${service}`;
}

function dependsOn(s: ComposeService): string[] {
  if (!s.depends_on) return [];
  return Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on);
}

/** One service's build as compose would run it; `service:` contexts of services that build are returned apart. */
function serviceBuild(project: ComposeProject, name: string, o: ComposeBuildOptions): { build: ParsedBuild; inline?: string; contextNeeds: Array<{ service: string; ref: string }> } {
  const svc = project.services[name] as ComposeService;
  const b = svc.build as ComposeBuildSpec;
  const unknown = Object.entries(b).find(([k, v]) => !KNOWN_BUILD_KEYS.has(k) && set(v));
  if (unknown) throw new ComposePlanError(`service ${name}: build.${unknown[0]} is left to compose`);
  const context = b.context ?? '.';
  const local = !/^[a-z]+:\/\//i.test(context) && !context.startsWith('git@');
  const flags: Flag[] = [];
  const add = (flag: string, value = 'true') => flags.push({ name: flag, value });
  if (b.dockerfile && !b.dockerfile_inline) add('file', local && !isAbsolute(b.dockerfile) ? join(context, b.dockerfile) : b.dockerfile);
  for (const [k, v] of Object.entries(b.args ?? {})) if (v !== null && v !== undefined) add('build-arg', `${k}=${v}`);
  for (const kv of o.buildArgs) add('build-arg', kv);
  if (b.target) add('target', b.target);
  for (const t of [imageOf(project, name), ...(b.tags ?? [])]) {
    // compose refuses the build with its own message.
    if (!isTagName(t)) throw new ComposePlanError(`service ${name}: invalid tag ${JSON.stringify(t)}`);
    add('tag', t);
  }
  const labels = Array.isArray(b.labels) ? b.labels : Object.entries(b.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const l of labels) add('label', l);
  add('label', `${COMPOSE_LABELS.version}=${o.composeVersion}`);
  add('label', `${COMPOSE_LABELS.project}=${project.name}`);
  add('label', `${COMPOSE_LABELS.service}=${name}`);
  const contextNeeds: Array<{ service: string; ref: string }> = [];
  for (const [k, v] of Object.entries(b.additional_contexts ?? {})) {
    if (!v.startsWith('service:')) add('build-context', `${k}=${v}`);
    else if (project.services[v.slice('service:'.length)]?.build) contextNeeds.push({ service: v.slice('service:'.length), ref: k });
    // A service that does not build is just an image: use it as one.
    else add('build-context', `${k}=docker-image://${imageOf(project, v.slice('service:'.length))}`);
  }
  for (const s of b.secrets ?? []) {
    const def = project.secrets?.[s.source];
    const id = s.target ?? s.source;
    if (def?.file) add('secret', `id=${id},src=${def.file}`);
    else if (def?.environment) add('secret', `id=${id},env=${def.environment}`);
    else throw new ComposePlanError(`service ${name}: build secret ${s.source} is not defined`);
  }
  const ssh = Array.isArray(b.ssh) ? b.ssh : Object.entries(b.ssh ?? {}).map(([k, v]) => (v ? `${k}=${v}` : k));
  for (const s of [...ssh, ...o.ssh]) add('ssh', s);
  for (const c of b.cache_from ?? []) add('cache-from', c);
  for (const c of b.cache_to ?? []) add('cache-to', c);
  if (b.platforms?.length) add('platform', b.platforms.join(','));
  if (b.network) add('network', b.network);
  const hosts = Array.isArray(b.extra_hosts)
    ? b.extra_hosts
    : Object.entries(b.extra_hosts ?? {}).flatMap(([h, ips]) => (Array.isArray(ips) ? ips : [ips]).map((ip) => `${h}=${ip}`));
  for (const h of hosts) add('add-host', h);
  if (b.shm_size !== undefined) add('shm-size', String(b.shm_size));
  for (const [k, v] of Object.entries(b.ulimits ?? {})) add('ulimit', typeof v === 'number' ? `${k}=${v}` : `${k}=${v.soft}:${v.hard}`);
  if (b.no_cache || o.noCache) add('no-cache');
  if (b.pull || o.pull) add('pull');
  if (o.progress) add('progress', o.progress);
  return { build: { flags, positionals: [context] }, inline: b.dockerfile_inline, contextNeeds };
}

/**
 * @param selected services named on the command line; empty means every service that builds
 * @param refsOf image references each service's Dockerfile uses (read by the caller)
 * @returns levels: each level's builds depend only on earlier levels
 */
export function planComposeBuilds(
  project: ComposeProject,
  selected: readonly string[],
  o: ComposeBuildOptions,
  refsOf: (service: string) => string[],
): ServiceBuild[][] {
  for (const s of selected) if (!project.services[s]) throw new ComposePlanError(`no such service: ${s}`);
  const byImage = new Map<string, string>();
  for (const name of Object.keys(project.services)) {
    if (project.services[name]?.build) byImage.set(qualifiedName(imageOf(project, name)), name);
  }

  const builds = new Map<string, ServiceBuild>();
  const visit = (name: string, viaDepends: boolean): void => {
    if (builds.has(name)) return;
    const svc = project.services[name];
    if (!svc) return;
    if (svc.build) {
      const { build, inline, contextNeeds } = serviceBuild(project, name, o);
      const needs = [...contextNeeds];
      for (const ref of refsOf(name)) {
        const dep = byImage.get(qualifiedName(ref));
        if (dep && dep !== name) needs.push({ service: dep, ref });
      }
      builds.set(name, { service: name, image: imageOf(project, name), named: project.services[name]?.image !== undefined, build, inlineDockerfile: inline, needs });
      // A build needs the images it builds on, whether or not they were selected.
      for (const n of needs) visit(n.service, false);
    }
    if (viaDepends) for (const d of dependsOn(svc)) visit(d, true);
  };
  const roots = selected.length ? selected : Object.keys(project.services);
  for (const s of roots) visit(s, o.withDependencies);

  const levels: ServiceBuild[][] = [];
  const done = new Set<string>();
  while (done.size < builds.size) {
    const ready = [...builds.values()].filter((b) => !done.has(b.service) && b.needs.every((n) => done.has(n.service)));
    if (ready.length === 0) throw new ComposePlanError(`services build on each other in a cycle: ${[...builds.keys()].filter((k) => !done.has(k)).join(', ')}`);
    levels.push(ready);
    for (const r of ready) done.add(r.service);
  }
  return levels;
}
