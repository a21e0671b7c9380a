// Docker-in-docker runs with their own BuildKit: a per-run network, a BuildKit sidecar on it (named
// `buildkit`) whose cache volume later runs of the same project reuse, and the run container, whose
// dockerd init wires to the sidecar as its remote builder, over mutual TLS. Nothing from the host is
// mounted but the run's own certificates, read-only: no docker.sock, no other host paths. Metadata is persisted at every step, cleanup runs in order on stop and
// on every failure, leftovers are found by label and reaped, and every step is audited (JSON lines).
import { appendFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readIfExists, writeFileAtomic, writeFileIfChanged } from '../lib/atomic-write.js';
import { HelixError } from '../lib/errors.js';
import { desktopEnv, IN_CONTAINER, SIDECAR } from '../lib/session-contract.js';
import { buildkitAnswers, buildkitContainerSpec } from './buildkit-container.js';
import { desktopContainerSpec } from './desktop-container.js';
import { containerInfo, engineError, execIn, reservedBytes, type Engine } from './engine.js';
import { renderSidecarToml, type HostConfig } from './host-config.js';
import { checkId, isValidId } from './ids.js';
import { buildkitServerTls, credentialsDirOf, issueCredentials, revokeCredentials } from './credentials.js';
import type { SandboxDeps } from './sandbox.js';
import { waitFor } from './sandbox.js';
import { createDesktop } from './userns-range.js';

export type RunState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface RunMeta {
  id: string;
  project: string;
  network: string;
  sidecar: string;
  container: string;
  cacheVolume: string;
  dataVolume: string;
  state: RunState;
  createdAt: string;
  error?: string;
}

const LABEL = 'helix.run';

/** A run's name towards its sidecar: its client certificate's CN. */
export function runClient(id: string): string {
  return `run-${checkId('run', id)}`;
}

/** Pure: the names of a run's resources. */
export function runNames(id: string, project: string): Omit<RunMeta, 'state' | 'createdAt' | 'error'> {
  return {
    id,
    project,
    network: `helix-run-${id}`,
    sidecar: `helix-run-${id}-buildkit`,
    container: `helix-run-${id}`,
    cacheVolume: `helix-buildkit-cache-${project}`,
    dataVolume: `helix-run-${id}-data`,
  };
}

export class RunManager {
  readonly dir: string;
  private readonly engine: Engine;
  private readonly cfg: HostConfig;

  constructor(d: SandboxDeps) {
    this.engine = d.engine;
    this.cfg = d.cfg;
    this.dir = join(d.cfg.stateDir, 'runs');
  }

  private metaPath(id: string): string {
    return join(this.dir, `${checkId('run', id)}.json`);
  }

  async audit(run: string, event: string, data: Record<string, unknown> = {}): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await appendFile(join(this.dir, 'audit.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), run, event, ...data })}\n`);
  }

  async meta(id: string): Promise<RunMeta | undefined> {
    const raw = await readIfExists(this.metaPath(id));
    return raw ? (JSON.parse(raw) as RunMeta) : undefined;
  }

  private async save(m: RunMeta): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.metaPath(m.id), `${JSON.stringify(m, null, 2)}\n`);
  }

  async start(id: string, project: string, env: Record<string, string> = {}): Promise<RunMeta> {
    checkId('run', id);
    checkId('project', project);
    const names = runNames(id, project);
    if ((await this.meta(id))?.state === 'running' || (await containerInfo(this.engine, names.container))) {
      throw new HelixError('CONFLICT', `run ${id} already exists`, `stop it first: helix run stop ${id}`);
    }
    const m: RunMeta = { ...names, state: 'starting', createdAt: new Date().toISOString() };
    await this.save(m);
    await this.audit(id, 'run_starting', { project });
    const labels = { [LABEL]: id, 'helix.managed': 'true' };
    const procStatus = await readFile('/proc/self/status', 'utf8');
    const buildkitHost = `tcp://${SIDECAR.alias}:${SIDECAR.port}`;
    try {
      await this.engine.createNetwork({ Name: m.network, Driver: 'bridge', Labels: labels });
      await this.audit(id, 'network_created', { network: m.network });

      const reused = await this.engine.getVolume(m.cacheVolume).inspect().then(() => true, () => false);
      if (!reused) await this.engine.createVolume({ Name: m.cacheVolume, Labels: { 'helix.managed': 'true', 'helix.project': project } });
      await this.audit(id, 'cache_volume', { volume: m.cacheVolume, reused });

      const tlsDir = await this.issueTls(m);
      const configFile = join(this.dir, 'sidecar-buildkitd.toml');
      await writeFileIfChanged(configFile, renderSidecarToml(this.cfg, await reservedBytes(this.engine)));
      const sidecar = await this.engine.createContainer(
        buildkitContainerSpec(
          {
            name: m.sidecar,
            image: this.cfg.buildkit.image,
            network: m.network,
            alias: SIDECAR.alias,
            port: SIDECAR.port,
            volume: m.cacheVolume,
            labels: { ...labels, 'helix.role': 'run-buildkit' },
            configFile,
            tlsDir,
          },
          this.cfg.privileges,
          procStatus,
        ),
      );
      await sidecar.start();
      await this.audit(id, 'sidecar_started', { container: m.sidecar, image: this.cfg.buildkit.image });
      // Ready means BuildKit answers an API call, not that the container runs.
      await waitFor(`BuildKit sidecar of run ${id}`, () => buildkitAnswers(this.engine, m.sidecar), 60_000);
      await this.audit(id, 'sidecar_ready', { container: m.sidecar });

      const run = await createDesktop(
        this.engine,
        this.cfg,
        desktopContainerSpec(
          this.cfg,
          {
            name: m.container,
            hostname: id,
            network: m.network,
            env: { ...desktopEnv({ builderName: this.cfg.builderName, buildkitHost, project }), ...env },
            labels: { ...labels, 'helix.role': 'run' },
            binds: [`${m.dataVolume}:${IN_CONTAINER.dataMount}`, `${credentialsDirOf(this.cfg, runClient(id))}:${IN_CONTAINER.credentialsMount}:ro`],
          },
          procStatus,
        ),
      );
      await run.start();
      await this.audit(id, 'run_container_started', { container: m.container });
      await waitFor(`run ${id}`, async () => {
        const info = await containerInfo(this.engine, m.container);
        if (!info?.State.Running) throw new HelixError('NOT_READY', `run ${id} exited during boot`);
        return (await execIn(this.engine, m.container, ['test', '-f', IN_CONTAINER.readyMarker])).exitCode === 0;
      }, 120_000);
      m.state = 'running';
      await this.save(m);
      await this.audit(id, 'run_ready', { container: m.container, buildkitHost });
      return m;
    } catch (err) {
      const e = err instanceof HelixError ? err : engineError(`starting run ${id}`, err);
      await this.audit(id, 'run_failed', { error: e.message });
      await this.cleanup({ ...m, state: 'failed', error: e.message });
      throw e;
    }
  }

  /** The sidecar's server certificate and the run container's client certificate; the sidecar's TLS directory. */
  private async issueTls(m: RunMeta): Promise<string | undefined> {
    await issueCredentials(this.cfg, { client: runClient(m.id), days: this.cfg.credentialDays });
    if (!this.cfg.buildkit.tls) return undefined;
    const dir = await buildkitServerTls(this.cfg, credentialsDirOf(this.cfg, `${runClient(m.id)}-buildkit`), [SIDECAR.alias, m.sidecar], this.cfg.credentialDays, false);
    await this.audit(m.id, 'certificates_issued', { client: runClient(m.id) });
    return dir;
  }

  async stop(id: string): Promise<void> {
    const m = await this.meta(id);
    if (!m) throw new HelixError('NOT_FOUND', `unknown run ${id}`);
    await this.cleanup({ ...m, state: 'stopping' });
  }

  /** Removes a run's resources in order: run container, sidecar, network, data volume. The cache stays. */
  private async cleanup(m: RunMeta): Promise<void> {
    await this.save(m);
    // Only what carries this run's label: a name taken by someone else is not ours to remove.
    const remove = async (kind: 'container', name: string, event: string) => {
      if ((await containerInfo(this.engine, name))?.Config.Labels?.[LABEL] !== m.id) return;
      await this.engine.getContainer(name).stop({ t: 20 }).catch(() => undefined);
      await this.engine.getContainer(name).remove({ force: true, v: true }).catch(() => undefined);
      await this.audit(m.id, event, { [kind]: name });
    };
    await remove('container', m.container, 'run_container_removed');
    await remove('container', m.sidecar, 'sidecar_removed');
    const nets = await this.engine.listNetworks({ filters: { label: [`${LABEL}=${m.id}`] } });
    if (nets.some((n) => n.Name === m.network)) {
      await this.engine.getNetwork(m.network).remove().catch(() => undefined);
      await this.audit(m.id, 'network_removed', { network: m.network });
    }
    await this.engine.getVolume(m.dataVolume).remove().then(() => this.audit(m.id, 'data_volume_removed', { volume: m.dataVolume }), () => undefined);
    await revokeCredentials(this.cfg, runClient(m.id));
    await revokeCredentials(this.cfg, `${runClient(m.id)}-buildkit`);
    const final: RunMeta = { ...m, state: m.state === 'failed' ? 'failed' : 'stopped' };
    await this.save(final);
    await this.audit(m.id, final.state === 'failed' ? 'run_cleaned_after_failure' : 'run_stopped');
  }

  /**
   * Reaps what crashed runs left: every labelled container or network of a run that is not both
   * recorded as running and still has its run container running.
   */
  async reapOrphans(): Promise<string[]> {
    const containers = await this.engine.listContainers({ all: true, filters: { label: [LABEL] } });
    const networks = await this.engine.listNetworks({ filters: { label: [LABEL] } });
    const ids = new Set([...containers.map((c) => c.Labels[LABEL] as string), ...networks.map((n) => (n.Labels ?? {})[LABEL] as string)]);
    const reaped: string[] = [];
    for (const id of ids) {
      if (!isValidId('run', id)) continue;
      const m = await this.meta(id);
      const project = m?.project ?? 'unknown';
      const names = m ?? { ...runNames(id, project), state: 'failed' as RunState, createdAt: '' };
      const runInfo = await containerInfo(this.engine, names.container);
      if (m?.state === 'running' && runInfo?.State.Running) continue;
      await this.audit(id, 'orphan_found', { state: m?.state ?? 'no metadata', runContainer: runInfo?.State.Status ?? 'missing' });
      await this.cleanup({ ...names, state: 'failed', error: 'orphan reaped' });
      reaped.push(id);
    }
    return reaped;
  }

  /** Removes the data volumes of runs that are not running (a crash can leave one with nothing labelled). */
  async reapVolumes(): Promise<string[]> {
    const { Volumes } = await this.engine.listVolumes();
    const removed: string[] = [];
    for (const v of Volumes ?? []) {
      const id = /^helix-run-(.+)-data$/.exec(v.Name)?.[1];
      if (!id || !isValidId('run', id)) continue;
      const m = await this.meta(id);
      if (m?.state === 'running' && (await containerInfo(this.engine, m.container))?.State.Running) continue;
      // In use by a container after all: removal fails, and the volume stays.
      if (await this.engine.getVolume(v.Name).remove().then(() => true, () => false)) {
        removed.push(v.Name);
        await this.audit(id, 'data_volume_reaped', { volume: v.Name });
      }
    }
    return removed;
  }

  async list(): Promise<RunMeta[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && isValidId('run', n.slice(0, -5)));
    return (await Promise.all(names.map((n) => this.meta(n.slice(0, -5))))).filter((m): m is RunMeta => !!m);
  }
}
