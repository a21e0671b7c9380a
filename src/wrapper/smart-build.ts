// Runs a smart build: one solve on the shared builder that keeps the image inside BuildKit, then moves
// the image into the local daemon only if the daemon does not already have it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolkitConfig } from '../lib/config.js';
import { runChild, type ChildResult } from './child.js';
import { chooseLoadAction, type LoadAction } from './load-action.js';
import type { SmartBuild } from './plan.js';

export interface SmartResult {
  /** How the build process ended; a failed build ends the wrapper the same way. */
  build: ChildResult;
  action?: LoadAction;
  digest?: string;
  ms: number;
}

async function localId(cfg: ToolkitConfig, globals: string[], ref: string): Promise<string | undefined> {
  const r = await runChild(cfg.realDocker, [...globals, 'image', 'inspect', '--format', '{{.Id}}', ref], {
    stdout: 'capture',
    stderr: 'ignore',
    stdin: 'ignore',
  });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

function buildxBase(b: SmartBuild): string[] {
  return [...b.globals, 'buildx', 'build', '--builder', b.builder];
}

export async function runSmartBuild(b: SmartBuild, cfg: ToolkitConfig): Promise<SmartResult> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'helix-build-'));
  try {
    const meta = b.metadataFile ?? join(dir, 'metadata.json');
    // type=image keeps the result in BuildKit (no transfer), and is what makes buildx report the config
    // digest; without provenance the digest is the bare image config, as the local daemon reports it.
    const build = await runChild(
      cfg.realDocker,
      [...buildxBase(b), '--output', 'type=image', '--provenance=false', '--metadata-file', meta, ...(b.quiet ? ['--quiet'] : []), ...b.args],
      { stdout: b.quiet ? 'ignore' : 'inherit' },
    );
    if (build.code !== 0 || build.signal) return { build, ms: Date.now() - started };

    const metadata = JSON.parse(await readFile(meta, 'utf8')) as Record<string, unknown>;
    const digest = metadata['containerimage.config.digest'];
    if (typeof digest !== 'string' || !digest.startsWith('sha256:')) {
      throw new Error(`buildx metadata ${meta} has no containerimage.config.digest`);
    }

    const ids = await Promise.all(b.tags.map(async (t) => [t, await localId(cfg, b.globals, t)] as const));
    const localIds = new Map(ids);
    const needPresence = [...localIds.values()].some((id) => id !== digest) || b.tags.length === 0;
    const digestPresent = needPresence ? (await localId(cfg, b.globals, digest)) === digest : true;
    const action = chooseLoadAction(digest, localIds, digestPresent);

    if (action.kind === 'tag') {
      for (const t of action.tags) {
        const r = await runChild(cfg.realDocker, [...b.globals, 'tag', digest, t], { stdout: 'ignore', stdin: 'ignore' });
        if (r.code !== 0) throw new Error(`docker tag ${digest} ${t} failed`);
      }
    } else if (action.kind === 'load') {
      // Same inputs, so this solve is all cache hits; only the tarball transfer costs time.
      const r = await runChild(cfg.realDocker, [...buildxBase(b), '--load', '--provenance=false', '--progress=quiet', ...b.loadArgs], {
        stdout: 'ignore',
        stdin: 'ignore',
      });
      if (r.code !== 0) throw new Error(`loading the image failed (exit ${r.code})`);
    }

    if (b.iidfile) await writeFile(b.iidfile, digest);
    if (b.quiet) process.stdout.write(`${digest}\n`);
    return { build, action, digest, ms: Date.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The one status line per build, on stderr. */
export function statusLine(b: SmartBuild, r: SmartResult): string {
  const what = b.tags.length ? b.tags.join(', ') : (r.digest?.slice(0, 19) ?? 'image');
  const took = `${(r.ms / 1000).toFixed(1)}s`;
  switch (r.action?.kind) {
    case 'skip':
      return `helix: ${what} unchanged on ${b.builder}, load skipped (${took})`;
    case 'tag':
      return `helix: ${what} already present, tagged only (${took})`;
    case 'load':
      return `helix: ${what} changed, loaded as a tarball (${took})`;
    default:
      return `helix: ${what} build failed on ${b.builder} (${took})`;
  }
}
