// Takes a solved build's image to the local daemon by the cheapest path that is correct: nothing (the
// daemon has it under its tags), a tag (it has it under another name), or a pull by digest of only the
// layers it lacks, from the builder's own store (the registry facade) or from the shared registry. The
// digests are checked, an untagged build is left nameless as docker's builder leaves it, and how it
// went is reported. Smart builds, bake targets and compose services all land here.
import type { ToolkitConfig } from '../../lib/config.js';
import { HelixError } from '../../lib/errors.js';
import { engineSocket } from '../../lib/engine-endpoint.js';
import { bearerToken, fetchManifest, readCredential } from '../../lib/registry-client.js';
import type { ChildResult } from '../child.js';
import { currentContext } from '../read/cli-config.js';
import { DockerCli, EngineApi, type Daemon } from './daemon.js';
import { chooseLoadAction } from '../plan/load-action.js';
import type { LocalBases } from '../solve/local-bases.js';
import type { DockerCall, SmartBuild } from '../plan/plan.js';
import { bytesPulled, downloadedAt, pullLayers, type ManifestLayer } from './pull-output.js';
import { registryAuthHeader, sendsLoginTo } from '../solve/registry-login.js';

export type LoadPath = 'skip' | 'tag' | 'facade' | 'registry' | 'tarball' | 'local';

export interface SmartResult {
  /** How the build ended; a failed build ends the wrapper the same way. */
  build: ChildResult;
  path?: LoadPath;
  /** The local image id at the end (what `docker build -q` prints). */
  imageId?: string;
  /** The manifest digest of the solve's image. */
  manifest?: string;
  bytes?: number;
  /** How long the daemon's pull of those bytes took. */
  moveMs?: number;
  /** Of `moveMs`, until the last layer was downloaded (the rest is the daemon extracting). */
  downloadMs?: number;
  /** The name the image is kept under in BuildKit's store: the host releases it when no build used it for a while. */
  kept?: string;
  /** registry/project/repo@digest of the pushed image, for builds that use it as a base. */
  transferRef?: string;
  warning?: string;
  /** The registry's digest of the image the daemon pushed (`--push`). */
  pushed?: string;
  /** Why the daemon's push failed: the build then fails with it, as buildx's does. */
  pushError?: string;
  ms: number;
}

export interface Digests {
  config: string;
  manifest?: string;
}

/** How the image reached the daemon, once built. */
export type Landed = Omit<SmartResult, 'build' | 'ms'>;

/** The digests of one build's result in buildx metadata (a build's file, or one bake target's entry). */
export function digestsOf(m: Record<string, unknown>, where: string): Digests {
  const config = m['containerimage.config.digest'];
  const manifest = m['containerimage.digest'];
  if (typeof config !== 'string' || !config.startsWith('sha256:')) throw new HelixError('INTERNAL', `${where} has no config digest`);
  return { config, manifest: typeof manifest === 'string' ? manifest : undefined };
}

/**
 * The daemon a command line talks to: its local socket directly, anything else through the CLI. The
 * session's login goes only to the shared registry and the facade, whatever host a reference names
 * (a pull of a project file's `image:` on another registry goes without it).
 */
export function daemonFor(call: DockerCall, cfg: ToolkitConfig): Daemon {
  const socket = engineSocket(call, process.env, currentContext(call.configDir));
  return socket
    ? new EngineApi(socket, (host, token) => registryAuthHeader(sendsLoginTo(cfg, host) ? readCredential(cfg) : undefined, host, token))
    : new DockerCli(cfg.realDocker, call.globals);
}

export class ImageLander {
  readonly daemon: Daemon;
  private readonly facadeTokens = new Map<string, Promise<string | undefined>>();

  constructor(
    readonly b: SmartBuild,
    readonly cfg: ToolkitConfig,
  ) {
    this.daemon = daemonFor({ globals: b.globals, configDir: b.configDir, ...b.endpoint }, cfg);
  }

  /**
   * Whether this build's image can come from the facade: it answers, and the daemon is asked through
   * the Engine API, whose pull the wrapper gives the login (the CLI's pull would need a config.json login).
   */
  pullsFromFacade(facadeUp: boolean): boolean {
    return facadeUp && this.daemon instanceof EngineApi;
  }

  /** The facade repository ("host:port/path") of a transfer repository. */
  facadeRepo(repo: string): string {
    return `${this.cfg.facade}/${repositoryPath(repo)}`;
  }

  /** A token to pull `repo` from the facade, asked once; call it early, so it is there when the pull starts. */
  facadeToken(repo: string): Promise<string | undefined> {
    let t = this.facadeTokens.get(repo);
    if (!t) {
      t = bearerToken(this.cfg.facade, `repository:${repositoryPath(repo)}:pull`, readCredential(this.cfg)).catch(() => undefined);
      this.facadeTokens.set(repo, t);
    }
    return t;
  }

  /** What finding and moving local base images needs. */
  bases(): LocalBases {
    return { cfg: this.cfg, daemon: this.daemon, project: this.b.project };
  }

  localId(ref: string): Promise<string | undefined> {
    return this.daemon.imageId(ref);
  }

  /**
   * The local image id of each tag. Started with the solve, which cannot change them; a failed solve
   * never awaits it, so its failure must not end the process.
   */
  localIds(): Promise<Map<string, string | undefined>> {
    const ids = Promise.all(this.b.tags.map(async (t) => [t, await this.localId(t)] as const)).then((e) => new Map(e));
    ids.catch(() => undefined);
    return ids;
  }

  /**
   * Skip or tag when the daemon already has the image. The local id is the config digest under the
   * classic image store and the manifest digest under the containerd store: either one matches.
   */
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
      for (const t of action.tags) await this.daemon.tag(present as string, t);
      return { path: 'tag', imageId: present as string };
    }
    return undefined;
  }

  async manifestLayers(repo: string, digest: string, token?: string): Promise<ManifestLayer[] | undefined> {
    try {
      const res = await fetchManifest(this.cfg, repo, digest, 'GET', token);
      return res.status === 200 ? (JSON.parse(res.body.toString('utf8')) as { layers?: ManifestLayer[] }).layers : undefined;
    } catch {
      return undefined;
    }
  }

  /** After a solve kept the image in BuildKit's store: the daemon gets it under its tags, from the facade. */
  async landKept(repo: string, d: Digests, ids: Promise<Map<string, string | undefined>>): Promise<Landed> {
    return { ...(await this.landByDigest(this.facadeRepo(repo), d, ids, 'facade', this.facadeToken(repo))), kept: repo };
  }

  /**
   * From the facade; where it cannot serve the image (gone away, the image collected), `pushAgain`
   * (the same solve pushing by digest: all cache hits) gives what then lands the registry's way, with
   * the one warning that says so. Smart builds and bake targets fall back alike.
   */
  async landKeptOrPushed(repo: string, d: Digests, ids: Promise<Map<string, string | undefined>>, pushAgain: () => Promise<Digests | undefined>): Promise<Landed> {
    try {
      return await this.landKept(repo, d, ids);
    } catch (err) {
      const pushed = await pushAgain();
      if (!pushed) throw new HelixError('COMMAND_FAILED', `the image could not be moved from the facade (${errorText(err)}), and the same solve pushing it failed`);
      const got = await this.landPushed(repo, pushed, ids);
      return { ...got, kept: repo, warning: facadeWarning(this.cfg, err, got.path ?? 'registry') };
    }
  }

  /** After a solve pushed the image by digest: the daemon gets it under its tags, moving only what it lacks. */
  landPushed(repo: string, d: Digests, ids: Promise<Map<string, string | undefined>>): Promise<Landed> {
    return this.landByDigest(repo, d, ids, 'registry');
  }

  /** The image under its tags in the daemon, pulled by digest from `repo` ("host:port/path") if it lacks it. */
  private async landByDigest(repo: string, d: Digests, ids: Promise<Map<string, string | undefined>>, path: 'facade' | 'registry', token?: Promise<string | undefined>): Promise<Landed> {
    if (!d.manifest) throw new HelixError('INTERNAL', `the build of ${repo} left no manifest digest`);
    const ref = `${repo}@${d.manifest}`;
    const local = await this.reuseLocal(d, ids);
    if (local) return { ...local, manifest: d.manifest, ...(path === 'registry' ? { transferRef: ref } : {}) };

    const auth = await token;
    const layers = this.manifestLayers(repo, d.manifest, auth);
    const pullStarted = Date.now();
    const events = await this.daemon.pull(ref, auth);
    const pulled = pullLayers(events).pulled;
    const moveMs = Date.now() - pullStarted;
    const downloaded = downloadedAt(events);
    const imageId = await this.localId(ref);
    if (imageId !== d.config && imageId !== d.manifest) throw new HelixError('INTERNAL', `pulled ${ref} but its id is ${imageId}, not ${d.config}`);
    for (const t of this.b.tags) await this.daemon.tag(imageId, t);
    // The digest reference was only the vehicle.
    if (this.b.tags.length) await this.daemon.untag(ref);
    else await this.leaveDangling(imageId, ref, repo);
    const known = await layers;
    const bytes = known ? bytesPulled(known, pulled) : undefined;
    // A facade reference is no use to a later build: BuildKit does not pull from the facade.
    return { path, imageId, manifest: d.manifest, bytes, moveMs, ...(downloaded ? { downloadMs: downloaded - pullStarted } : {}), ...(path === 'registry' ? { transferRef: ref } : {}) };
  }

  /**
   * An untagged build leaves an image without any name, as docker's builder does (`<none>`, which
   * `docker image prune` takes). Removing the pull's digest reference, its only name, would delete
   * it; a name moved away from an image does not. So: a temporary tag, the reference removed, the tag
   * moved onto an empty image imported for it, and removed with that image. No other image is touched.
   */
  private async leaveDangling(imageId: string, ref: string, repo: string): Promise<void> {
    // Another repository than the reference's: the containerd store removes a digest reference with
    // every tag of its repository on the same image.
    const temp = `${repo}-untagging:${process.pid}-${Date.now().toString(36)}`;
    await this.daemon.tag(imageId, temp);
    await this.daemon.untag(ref);
    await this.daemon.tag(await this.daemon.importEmpty(), temp);
    await this.daemon.untag(temp);
  }
}

/** "host:port/a/b" → "a/b". */
function repositoryPath(repo: string): string {
  return repo.slice(repo.indexOf('/') + 1);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The one warning of a move the facade could not make. */
export function facadeWarning(cfg: ToolkitConfig, err: unknown, path: string): string {
  return `registry facade ${cfg.facade}: ${errorText(err)}; the image went the ${path} way instead`;
}

