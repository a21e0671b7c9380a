// Every buildx command line the wrapper runs, built in one place: `buildx build` and `buildx bake` on a
// named builder, the settings every solve of the smart path shares, and its two image exporters. Pure.
import type { ToolkitConfig } from '../../lib/config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** `buildx build --builder B ...rest` after docker's global options. */
export function buildxBuild(globals: readonly string[], builder: string, rest: readonly string[]): string[] {
  return [...globals, 'buildx', 'build', '--builder', builder, ...rest];
}

/** `buildx bake ...rest`, on `builder` when one is named (otherwise buildx's own choice). */
export function buildxBake(globals: readonly string[], builder: string | undefined, rest: readonly string[]): string[] {
  return [...globals, 'buildx', 'bake', ...(builder ? ['--builder', builder] : []), ...rest];
}

/**
 * What every solve of the smart path adds: no provenance attestation, so an unchanged image keeps its
 * id (docker's builder attaches none either) and the daemon's image is the one compared.
 */
export const SOLVE_FLAGS = ['--provenance=false'] as const;

/**
 * The environment of a smart solve: our own metadata file needs the digests only, not the provenance
 * buildx asks BuildKit for; a metadata file the user asked for gets what buildx writes.
 */
export function solveEnv(userMetadataFile: boolean, env: Env = process.env, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...env, ...(userMetadataFile ? {} : { BUILDX_METADATA_PROVENANCE: 'disabled' }), ...extra };
}

/** The image exporter pushing by digest only: no tag in the shared registry names it. */
export function pushOutput(cfg: ToolkitConfig, repo: string): string {
  return `type=image,name=${repo},push=true,push-by-digest=true,registry.insecure=true,compression=${cfg.transferCompression}`;
}

/**
 * The image exporter keeping the image in BuildKit's own store, for the facade to serve: no push. The
 * name (one per project and repository) keeps the newest build's image alive there until the next
 * build of the same repository replaces it; BuildKit's garbage collection then takes the old one.
 */
export function keepOutput(cfg: ToolkitConfig, repo: string): string {
  return `type=image,name=${repo},push=false,compression=${cfg.transferCompression}`;
}
