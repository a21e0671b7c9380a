// The exit code of a failed `docker compose build`, which depends on how compose builds: measured,
// Compose 2.26 (classic builds, one buildx solve per service) exits 17 on a failed build, Compose 2.40
// (builds through bake) exits with bake's code. Bake became the default in between
// (docker/compose#12699, taken here as 2.36); COMPOSE_BAKE chooses explicitly. Pure.

/** Classic compose's code for "the build failed". */
export const CLASSIC_BUILD_FAILED = 17;

/** Whether this compose builds through bake: by default since 2.36, or as COMPOSE_BAKE says. */
export function buildsThroughBake(version: string, composeBake: string | undefined): boolean {
  if (composeBake !== undefined && composeBake !== '') return !['0', 'false', 'no'].includes(composeBake.toLowerCase());
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return true;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 2 || (major === 2 && minor >= 36);
}

/** @param version what `docker compose version --short` printed */
export function composeBuildFailureCode(buildCode: number, version: string, composeBake: string | undefined): number {
  return buildsThroughBake(version, composeBake) ? buildCode : CLASSIC_BUILD_FAILED;
}
