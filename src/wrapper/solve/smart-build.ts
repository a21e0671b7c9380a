// Runs a smart build: one solve on the shared builder, exporting to where the image can land from
// (image-lander.ts): BuildKit's store for the facade, or the shared registry; without either, the solve
// exports nothing and a changed image is loaded as a tarball. A facade that cannot serve the image
// costs the same solve again (all cache hits) the registry's or the tarball's way.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolkitConfig } from '../../lib/config.js';
import { runPlugin } from '../read/cli-plugin.js';
import type { ChildResult, Progress } from '../child.js';
import { loadArgsOf, type SmartBuild } from '../plan/plan.js';
import { keyValue, lastValue, renderArgs, values, withFlags } from '../read/build-flags.js';
import { pushNames } from '../land/daemon-push.js';
import { localMetadata } from '../land/metadata-file.js';
import { localBaseContexts } from './local-bases.js';
import { probeSharedServices } from './reach.js';
import { digestsOf, errorText, facadeWarning, ImageLander, type Digests, type SmartResult } from '../land/image-lander.js';
import { transferRepository } from '../land/transfer.js';
import { HelixError } from '../../lib/errors.js';
import { buildxBuild, keepOutput, pushOutput, solveEnv, SOLVE_FLAGS } from './buildx-invocation.js';

/** The digests in a single build's buildx metadata file. */
async function readDigests(meta: string): Promise<Digests> {
  return digestsOf(JSON.parse(await readFile(meta, 'utf8')) as Record<string, unknown>, `buildx metadata ${meta}`);
}

/** One smart build's solve on the shared builder, and the way its image then lands. */
class SmartSolve {
  readonly lander: ImageLander;

  constructor(
    readonly b: SmartBuild,
    readonly cfg: ToolkitConfig,
    readonly dir: string,
    readonly progress: Progress = 'inherit',
  ) {
    this.lander = new ImageLander(b, cfg);
  }

  solve(extra: string[], args: readonly string[], showOutput: boolean): Promise<ChildResult> {
    const quiet = this.b.quiet ? ['--quiet'] : [];
    return runPlugin('buildx', this.cfg.realDocker, this.b.configDir, buildxBuild(this.b.globals, this.b.builder, [...SOLVE_FLAGS, ...extra, ...quiet, ...args]), {
      stdout: showOutput && !this.b.quiet ? 'inherit' : 'ignore',
      stderr: showOutput ? this.progress : 'ignore',
      stdin: showOutput ? 'inherit' : 'ignore',
      env: solveEnv(this.b.metadataFile !== undefined),
    });
  }

  /** The build's transfer repository, and the buildx metadata file its digests are read from. */
  private transfer(): { repo: string; meta: string } {
    return { repo: transferRepository(this.cfg.registry, this.b.project, this.b.tags), meta: this.b.metadataFile ?? join(this.dir, 'metadata.json') };
  }

  /** One solve pushing the image by digest into the shared registry: how it ended, and its digests if it did. */
  private async pushSolve(showOutput: boolean): Promise<{ build: ChildResult; digests?: Digests }> {
    const { repo, meta } = this.transfer();
    const bases = await localBaseContexts(this.lander.bases(), this.b.build);
    const build = await this.solve(['--output', pushOutput(this.cfg, repo), '--metadata-file', meta], renderArgs(withFlags(this.b.build, bases)), showOutput);
    return build.code !== 0 || build.signal ? { build } : { build, digests: await readDigests(meta) };
  }

  /** The registry path: one solve that pushes by digest; a changed image is pulled by digest. */
  async viaRegistry(): Promise<SmartResult | ChildResult> {
    const ids = this.lander.localIds();
    const { build, digests } = await this.pushSolve(true);
    if (!digests) return build;
    return { build, ...(await this.lander.landPushed(this.transfer().repo, digests, ids)), ms: 0 };
  }

  /**
   * The facade path: one solve that keeps the image in BuildKit's store and pushes nothing; a changed
   * image is pulled by digest from the facade over that store. If the pull fails (the facade went
   * away, the image was collected), the same solve again, all cache hits, takes the registry path (or,
   * with no registry, the tarball's).
   */
  async viaFacade(registryUp: boolean): Promise<SmartResult | ChildResult> {
    const { repo, meta } = this.transfer();
    const ids = this.lander.localIds();
    void this.lander.facadeToken(repo);
    const bases = registryUp ? await localBaseContexts(this.lander.bases(), this.b.build) : [];
    const build = await this.solve(['--output', keepOutput(this.cfg, repo), '--metadata-file', meta], renderArgs(withFlags(this.b.build, bases)), true);
    if (build.code !== 0 || build.signal) return build;
    const d = await readDigests(meta);
    if (registryUp) return { build, ...(await this.lander.landKeptOrPushed(repo, d, ids, async () => (await this.pushSolve(false)).digests)), ms: 0 };
    try {
      return { build, ...(await this.lander.landKept(repo, d, ids)), ms: 0 };
    } catch (err) {
      const next = await this.viaTarball(false);
      if (!isResult(next)) throw new HelixError('COMMAND_FAILED', `the image could not be moved from the facade (${errorText(err)}) and the fallback solve failed (exit ${next.code})`);
      return { ...next, build, kept: repo, warning: facadeWarning(this.cfg, err, next.path ?? 'tarball') };
    }
  }

  /** No registry: solve without moving anything, and load a tarball only if the image changed. */
  async viaTarball(showOutput = true): Promise<SmartResult | ChildResult> {
    if (this.b.stdin) {
      // stdin can be read once: this solve has to load too.
      const build = await this.solve(['--load', ...this.b.tags.map((t) => `--tag=${t}`)], renderArgs(this.b.build), showOutput);
      if (build.code !== 0 || build.signal) return build;
      const imageId = this.b.tags[0] ? await this.lander.localId(this.b.tags[0]) : undefined;
      return { build, path: 'tarball', imageId, ms: 0 };
    }
    const { meta } = this.transfer();
    const ids = this.lander.localIds();
    const build = await this.solve(['--output', 'type=image', '--metadata-file', meta], renderArgs(this.b.build), showOutput);
    if (build.code !== 0 || build.signal) return build;
    const d = await readDigests(meta);
    const local = await this.lander.reuseLocal(d, ids);
    if (local) return { build, ...local, manifest: d.manifest, ms: 0 };
    // Same inputs, so this solve is all cache hits; only the tarball transfer costs time.
    const load = await this.solve(['--load', '--progress=quiet'], loadArgsOf(this.b), false);
    if (load.code !== 0) throw new HelixError('COMMAND_FAILED', `loading the image failed (exit ${load.code})`);
    const imageId = (this.b.tags[0] ? await this.lander.localId(this.b.tags[0]) : undefined) ?? d.config;
    return { build, path: 'tarball', imageId, manifest: d.manifest, ms: 0 };
  }
}

/** The user's metadata file as docker's builder would have written it for the image the daemon has. */
async function rewriteMetadata(b: SmartBuild, file: string, imageId: string, pushed: string | undefined): Promise<void> {
  const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const userContexts = Object.fromEntries(values(b.build, 'build-context').map((c) => keyValue(c)).map(([k, v = '']) => [k, v]));
  await writeFile(file, JSON.stringify(localMetadata(m, { imageId, tags: b.tags, userContexts, userCacheNamespace: b.userCacheNamespace, pushed }), null, 2));
}

function isResult(r: SmartResult | ChildResult): r is SmartResult {
  return 'build' in r;
}

/**
 * `progress: 'compose'` for a compose service's build: compose shows progress on stdout.
 * `registryRef`: a later build uses this image as a base, so it has to be in the shared registry.
 */
export async function runSmartBuild(b: SmartBuild, cfg: ToolkitConfig, progress: Progress = 'inherit', registryRef = false): Promise<SmartResult> {
  const started = Date.now();
  const { buildkitUp, registryUp, facadeUp, buildkitWarning } = await probeSharedServices(cfg);
  if (!buildkitUp) {
    const build = await runPlugin('buildx', cfg.realDocker, b.configDir, b.localArgv, { stderr: progress });
    return { build, path: 'local', warning: `${buildkitWarning}; built with the local builder`, ms: Date.now() - started };
  }
  const dir = await mkdtemp(join(tmpdir(), 'helix-build-'));
  try {
    const s = new SmartSolve(b, cfg, dir, progress);
    // The facade's fallback solves a second time, which a build context on stdin cannot.
    const facade = !registryRef && !b.stdin && s.lander.pullsFromFacade(facadeUp);
    const r = facade ? await s.viaFacade(registryUp) : registryUp ? await s.viaRegistry() : await s.viaTarball();
    if (!isResult(r)) return { build: r, ms: Date.now() - started };
    const warning = r.warning ?? (registryUp || facade ? undefined : `registry ${cfg.registry} is unreachable; fell back to a tarball load`);
    let pushed: string | undefined;
    if (b.push) {
      const p = await pushNames(cfg, b, s.lander.daemon, !b.quiet && lastValue(b.build, 'progress') !== 'quiet');
      // As buildx: the image stays in the daemon, and neither the id nor the files are written.
      if ('error' in p) return { ...r, build: { ...r.build, code: 1 }, warning, pushError: p.error, ms: Date.now() - started };
      pushed = p.digest;
    }
    if (b.iidfile && r.imageId) await writeFile(b.iidfile, r.imageId);
    if (b.metadataFile && r.imageId) await rewriteMetadata(b, b.metadataFile, r.imageId, pushed);
    if (b.quiet && r.imageId) process.stdout.write(`${r.imageId}\n`);
    return { ...r, warning, pushed, ms: Date.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
