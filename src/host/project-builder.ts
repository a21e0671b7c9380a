// `project` tenancy's builders (tenancy.ts): a project's BuildKit is started when one of its desktops
// gets credentials and stopped when the last of them gives its credentials up; its state stays on
// disk for the next one, bounded like a run sidecar's. A lock per project orders the two, so a
// desktop being started never loses its builder to a stop.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeFileIfChanged } from '../lib/atomic-write.js';
import { BUILDKIT_LOCAL_SOCKET, buildkitAnswers, buildkitContainerSpec } from './buildkit-container.js';
import { builderCa, buildkitServerTls } from './credentials.js';
import { listIdentities } from './desktop-identity.js';
import { containerInfo, engineError, execIn, reservedBytes } from './engine.js';
import { tryLock } from './file-lock.js';
import { renderBuildkitdToml } from './host-config.js';
import { ensureContainer, waitFor, type SandboxDeps } from './sandbox.js';
import { builderFor, PROJECT_BUILDER_ROLE, PROJECT_LABEL, projectPkiDir, projectStatesDir } from './tenancy.js';
import { HelixError } from '../lib/errors.js';

/** Runs `fn` holding the project's builder lock (taken within a minute: a start holds it that long at most). */
async function withProjectLock<T>(d: SandboxDeps, project: string, fn: () => Promise<T>): Promise<T> {
  const lock = await tryLock(`${d.cfg.stateDir}/locks/builder-${project}.lock`, 90_000);
  if (!lock) throw new HelixError('NOT_READY', `the builder of project ${project} is busy starting or stopping`, 'try again in a minute');
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/**
 * Issues a desktop's credentials through `issue` and makes sure the builder they are for runs: under
 * the project's lock, so no stop of an idle builder comes between the two.
 */
export async function withProjectBuilder<T>(d: SandboxDeps, project: string, issue: () => Promise<T>): Promise<T> {
  const b = builderFor(d.cfg, project);
  if (!b.project) return issue();
  return withProjectLock(d, project, async () => {
    const out = await issue();
    await ensureProjectBuilder(d, project);
    return out;
  });
}

async function ensureProjectBuilder(d: SandboxDeps, project: string): Promise<void> {
  const { cfg, engine } = d;
  const b = builderFor(cfg, project);
  const state = `${projectStatesDir(cfg)}/${project}`;
  await mkdir(state, { recursive: true, mode: 0o700 });
  const pki = projectPkiDir(cfg, project);
  const tlsDir = await buildkitServerTls(cfg, `${pki}/buildkit`, [b.alias, b.name], 3650, true, await builderCa(cfg, project));
  const configFile = `${pki}/buildkitd.toml`;
  await writeFileIfChanged(configFile, renderBuildkitdToml(cfg, await reservedBytes(engine), cfg.sidecarGc));
  const spec = buildkitContainerSpec(
    {
      name: b.name,
      image: cfg.buildkit.image,
      network: cfg.network,
      alias: b.alias,
      port: cfg.buildkit.port,
      volume: state,
      labels: { 'helix.managed': 'true', 'helix.role': PROJECT_BUILDER_ROLE, [PROJECT_LABEL]: project },
      configFile,
      persistent: true,
      tlsDir,
    },
    cfg.privileges,
    await readFile('/proc/self/status', 'utf8'),
  ) as Parameters<typeof ensureContainer>[1];
  try {
    const how = await ensureContainer(d, spec);
    if (how !== 'running') d.log.info(`BuildKit of project ${project}: ${how} (${b.name})`);
  } catch (err) {
    throw err instanceof HelixError ? err : engineError(`starting the builder of project ${project}`, err);
  }
  await waitFor(`BuildKit of project ${project}`, () => buildkitAnswers(engine, b.name), 60_000);
}

export interface ProjectBuilder {
  project: string;
  container: string;
  running: boolean;
  /** Desktops holding credentials for it. */
  desktops: number;
}

/** Every project builder on this host, running or stopped. */
export async function listProjectBuilders(d: SandboxDeps): Promise<ProjectBuilder[]> {
  const containers = await d.engine.listContainers({ all: true, filters: { label: [`helix.role=${PROJECT_BUILDER_ROLE}`] } });
  const identities = await listIdentities(d.cfg);
  return containers
    .map((c) => {
      const project = c.Labels[PROJECT_LABEL] ?? '';
      return { project, container: (c.Names[0] ?? '').replace(/^\//, ''), running: c.State === 'running', desktops: identities.filter((i) => i.project === project).length };
    })
    .sort((a, b) => a.project.localeCompare(b.project));
}

/** Stops the running builders (of `only`, if given) no desktop holds credentials for; returns their projects. */
export async function stopIdleBuilders(d: SandboxDeps, only?: string): Promise<string[]> {
  if (d.cfg.tenancy !== 'project') return [];
  const stopped: string[] = [];
  for (const b of await listProjectBuilders(d)) {
    if (!b.running || b.desktops > 0 || (only !== undefined && b.project !== only)) continue;
    await withProjectLock(d, b.project, async () => {
      // Looked at again under the lock: a desktop may have been given credentials meanwhile.
      if ((await listIdentities(d.cfg)).some((i) => i.project === b.project)) return;
      if (!(await containerInfo(d.engine, b.container))?.State.Running) return;
      // BuildKit writes its state out on SIGTERM; a stopped builder starts again with its cache.
      await d.engine.getContainer(b.container).stop({ t: 30 }).catch(() => undefined);
      stopped.push(b.project);
      d.log.info(`BuildKit of project ${b.project} stopped: no desktop of it holds credentials`);
    });
  }
  return stopped;
}

/**
 * Removes a project's builder with its state, so that its next desktop starts it empty; `withKeys`:
 * its CA and server certificate too, for a project that is gone.
 */
export async function removeProjectBuilder(d: SandboxDeps, project: string, withKeys: boolean): Promise<void> {
  await d.engine.getContainer(builderFor(d.cfg, project).name).remove({ force: true }).catch(() => undefined);
  await rm(`${projectStatesDir(d.cfg)}/${project}`, { recursive: true, force: true });
  if (withKeys) await rm(projectPkiDir(d.cfg, project), { recursive: true, force: true });
}

/**
 * Empties the cache of the BuildKit a project builds on, for an honest cold measurement. Under
 * `project` tenancy the project's own builder goes with its state (its next desktop starts it empty).
 */
export async function pruneBuildCache(d: SandboxDeps, project?: string): Promise<void> {
  const b = builderFor(d.cfg, project);
  if (b.project) return removeProjectBuilder(d, b.project, false);
  const r = await execIn(d.engine, b.name, ['buildctl', '--addr', BUILDKIT_LOCAL_SOCKET, 'prune', '--all']);
  if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `buildctl prune failed: ${r.stderr.trim()}`);
}
