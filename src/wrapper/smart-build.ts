// Runs a smart build: one solve on the shared builder, then the image reaches the local daemon by the
// cheapest path that is correct: nothing (unchanged), a tag (present under another name), a pull by
// digest of only the changed layers through the shared registry, or, without a registry, a tarball.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolkitConfig } from '../lib/config.js';
import { runBuildx } from './buildx-plugin.js';
import { runChild, type ChildResult } from './child.js';
import { chooseLoadAction } from './load-action.js';
import type { SmartBuild } from './plan.js';
import { bytesPulled, pullLayers, type ManifestLayer } from './pull-output.js';
import { canConnect } from './reach.js';
import { transferRepository } from './transfer.js';

export type LoadPath = 'skip' | 'tag' | 'registry' | 'tarball' | 'local';

export interface SmartResult {
  /** How the build ended; a failed build ends the wrapper the same way. */
  build: ChildResult;
  path?: LoadPath;
  /** The local image id at the end (what `docker build -q` prints). */
  imageId?: string;
  bytes?: number;
  /** registry/project/repo@digest of the pushed image, for builds that use it as a base. */
  transferRef?: string;
  warning?: string;
  ms: number;
}

interface Digests {
  config: string;
  manifest?: string;
}

const QUIET_IO = { stdout: 'capture', stderr: 'ignore', stdin: 'ignore' } as const;
/** Like QUIET_IO, keeping stderr so a failure can say why. */
const CAPTURE_ALL = { stdout: 'capture', stderr: 'capture', stdin: 'ignore' } as const;

class Session {
  constructor(
    readonly b: SmartBuild,
    readonly cfg: ToolkitConfig,
    readonly dir: string,
  ) {}

  docker(args: string[], o: Parameters<typeof runChild>[2] = QUIET_IO): Promise<ChildResult> {
    return runChild(this.cfg.realDocker, [...this.b.globals, ...args], o);
  }

  async localId(ref: string): Promise<string | undefined> {
    const r = await this.docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  solve(extra: string[], args: string[], showOutput: boolean): Promise<ChildResult> {
    const quiet = this.b.quiet ? ['--quiet'] : [];
    const argv = [...this.b.globals, 'buildx', 'build', '--builder', this.b.builder, '--provenance=false', ...extra, ...quiet, ...args];
    return runBuildx(this.cfg.realDocker, this.b.configDir, argv, {
      stdout: showOutput && !this.b.quiet ? 'inherit' : 'ignore',
      stderr: showOutput ? 'inherit' : 'ignore',
      stdin: showOutput ? 'inherit' : 'ignore',
    });
  }

  async readDigests(meta: string): Promise<Digests> {
    const m = JSON.parse(await readFile(meta, 'utf8')) as Record<string, unknown>;
    const config = m['containerimage.config.digest'];
    const manifest = m['containerimage.digest'];
    if (typeof config !== 'string' || !config.startsWith('sha256:')) throw new Error(`buildx metadata ${meta} has no config digest`);
    return { config, manifest: typeof manifest === 'string' ? manifest : undefined };
  }

  /**
   * Skip or tag when the daemon already has the image. The local id is the config digest under the
   * classic image store and the manifest digest under the containerd store: either one matches.
   */
  /** The local image id of each tag. Started with the solve, which cannot change them. */
  localIds(): Promise<Map<string, string | undefined>> {
    return Promise.all(this.b.tags.map(async (t) => [t, await this.localId(t)] as const)).then((e) => new Map(e));
  }

  async reuseLocal(d: Digests, before: Promise<Map<string, string | undefined>>): Promise<{ path: 'skip' | 'tag'; imageId: string } | undefined> {
    const ids = await before;
    const same = (id: string | undefined) => id === d.config || (d.manifest !== undefined && id === d.manifest);
    const matched = [...ids.values()].find(same);
    const normalized = new Map([...ids].map(([t, id]) => [t, same(id) ? d.config : id]));
    const allSame = ids.size > 0 && [...ids.values()].every(same);
    let present = matched;
    if (!allSame) present = (await this.localId(d.config)) ?? (d.manifest ? await this.localId(d.manifest) : undefined);
    const action = chooseLoadAction(d.config, normalized, present !== undefined);
    if (action.kind === 'skip') return { path: 'skip', imageId: (matched ?? present) as string };
    if (action.kind === 'tag') {
      for (const t of action.tags) {
        if ((await this.docker(['tag', present as string, t])).code !== 0) throw new Error(`docker tag ${present} ${t} failed`);
      }
      return { path: 'tag', imageId: present as string };
    }
    return undefined;
  }

  async manifestLayers(repo: string, digest: string): Promise<ManifestLayer[] | undefined> {
    const [host, ...path] = repo.split('/');
    try {
      const res = await fetch(`http://${host}/v2/${path.join('/')}/manifests/${digest}`, {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
        signal: AbortSignal.timeout(3000),
      });
      return ((await res.json()) as { layers?: ManifestLayer[] }).layers;
    } catch {
      return undefined;
    }
  }

  /** The registry path: one solve that pushes by digest; a changed image is pulled by digest. */
  async viaRegistry(): Promise<SmartResult | ChildResult> {
    const repo = transferRepository(this.cfg.registry, this.b.project, this.b.tags);
    const meta = this.b.metadataFile ?? join(this.dir, 'metadata.json');
    const out = `type=image,name=${repo},push=true,push-by-digest=true,registry.insecure=true,compression=${this.cfg.transferCompression}`;
    const ids = this.localIds();
    const build = await this.solve(['--output', out, '--metadata-file', meta], this.b.args, true);
    if (build.code !== 0 || build.signal) return build;
    const d = await this.readDigests(meta);
    if (!d.manifest) throw new Error(`buildx metadata ${meta} has no manifest digest`);
    const ref = `${repo}@${d.manifest}`;
    const local = await this.reuseLocal(d, ids);
    if (local) return { build, ...local, transferRef: ref, ms: 0 };

    const pull = await this.docker(['pull', ref], CAPTURE_ALL);
    if (pull.code !== 0) throw new Error(`docker pull ${ref} failed: ${(pull.stderr ?? '').trim().split('\n').pop()}`);
    const imageId = await this.localId(ref);
    if (imageId !== d.config && imageId !== d.manifest) throw new Error(`pulled ${ref} but its id is ${imageId}, not ${d.config}`);
    for (const t of this.b.tags) {
      if ((await this.docker(['tag', imageId, t])).code !== 0) throw new Error(`docker tag ${imageId} ${t} failed`);
    }
    // The digest reference was only the vehicle; an untagged build keeps it, or the image would go.
    if (this.b.tags.length) await this.docker(['image', 'rm', ref]);
    const layers = await this.manifestLayers(repo, d.manifest);
    const bytes = layers ? bytesPulled(layers, pullLayers(pull.stdout).pulled) : undefined;
    return { build, path: 'registry', imageId, bytes, transferRef: ref, ms: 0 };
  }

  /** No registry: solve without moving anything, and load a tarball only if the image changed. */
  async viaTarball(): Promise<SmartResult | ChildResult> {
    if (this.b.stdin) {
      // stdin can be read once: this solve has to load too.
      const build = await this.solve(['--load', ...this.b.tags.map((t) => `--tag=${t}`)], this.b.args, true);
      if (build.code !== 0 || build.signal) return build;
      const imageId = this.b.tags[0] ? await this.localId(this.b.tags[0]) : undefined;
      return { build, path: 'tarball', imageId, ms: 0 };
    }
    const meta = this.b.metadataFile ?? join(this.dir, 'metadata.json');
    const ids = this.localIds();
    const build = await this.solve(['--output', 'type=image', '--metadata-file', meta], this.b.args, true);
    if (build.code !== 0 || build.signal) return build;
    const d = await this.readDigests(meta);
    const local = await this.reuseLocal(d, ids);
    if (local) return { build, ...local, ms: 0 };
    // Same inputs, so this solve is all cache hits; only the tarball transfer costs time.
    const load = await this.solve(['--load', '--progress=quiet'], this.b.loadArgs, false);
    if (load.code !== 0) throw new Error(`loading the image failed (exit ${load.code})`);
    const imageId = (this.b.tags[0] ? await this.localId(this.b.tags[0]) : undefined) ?? d.config;
    return { build, path: 'tarball', imageId, ms: 0 };
  }
}

function isResult(r: SmartResult | ChildResult): r is SmartResult {
  return 'build' in r;
}

export async function runSmartBuild(b: SmartBuild, cfg: ToolkitConfig): Promise<SmartResult> {
  const started = Date.now();
  const [buildkitUp, registryUp] = await Promise.all([canConnect(cfg.buildkitHost, 1234), canConnect(cfg.registry, 5000)]);
  if (!buildkitUp) {
    const build = await runBuildx(cfg.realDocker, b.configDir, b.localArgv);
    return { build, path: 'local', warning: `shared BuildKit at ${cfg.buildkitHost} is unreachable; built with the local builder`, ms: Date.now() - started };
  }
  const dir = await mkdtemp(join(tmpdir(), 'helix-build-'));
  try {
    const s = new Session(b, cfg, dir);
    const r = registryUp ? await s.viaRegistry() : await s.viaTarball();
    const ms = Date.now() - started;
    if (!isResult(r)) return { build: r, ms };
    if (b.iidfile && r.imageId) await writeFile(b.iidfile, r.imageId);
    if (b.quiet && r.imageId) process.stdout.write(`${r.imageId}\n`);
    const warning = registryUp ? undefined : `registry ${cfg.registry} is unreachable; fell back to a tarball load`;
    return { ...r, warning, ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function size(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `, ${bytes} B moved`;
  if (bytes < 1024 * 1024) return `, ${(bytes / 1024).toFixed(1)} kB moved`;
  return `, ${(bytes / 1024 / 1024).toFixed(1)} MB moved`;
}

/** The one status line per build, on stderr. */
export function statusLine(b: SmartBuild, r: SmartResult): string {
  const what = b.tags.length ? b.tags.join(', ') : (r.imageId?.slice(0, 19) ?? 'image');
  const took = `${(r.ms / 1000).toFixed(1)}s`;
  switch (r.path) {
    case 'skip':
      return `helix: ${what} unchanged on ${b.builder}, load skipped (${took})`;
    case 'tag':
      return `helix: ${what} already present, tagged only (${took})`;
    case 'registry':
      return `helix: ${what} changed, pulled by digest via the registry (${took}${size(r.bytes)})`;
    case 'tarball':
      return `helix: ${what} loaded as a tarball (${took})`;
    case 'local':
      return `helix: ${what} built with the local builder (${took})`;
    default:
      return `helix: ${what} build failed on ${b.builder} (${took})`;
  }
}
