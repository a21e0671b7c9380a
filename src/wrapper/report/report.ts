// What the user and the event log hear of each smart build: a warning if it fell back, one status line
// on stderr, and one event. The same for a plain build, a compose service and a bake target.
import type { ToolkitConfig } from '../../lib/config.js';
import { appendEvent, buildEvent } from './events.js';
import type { SmartBuild } from '../plan/plan.js';
import type { SmartResult } from '../land/image-lander.js';

function size(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `, ${bytes} B moved`;
  if (bytes < 1024 * 1024) return `, ${(bytes / 1024).toFixed(1)} kB moved`;
  return `, ${(bytes / 1024 / 1024).toFixed(1)} MB moved`;
}

/** The one status line per build; a compose service's names the service. */
export function statusLine(b: SmartBuild, r: SmartResult, service?: string): string {
  const what = b.tags.length ? b.tags.join(', ') : (r.imageId?.slice(0, 19) ?? 'image');
  const took = `${(r.ms / 1000).toFixed(1)}s`;
  const head = service ? `helix: [${service}] ${what}` : `helix: ${what}`;
  switch (r.path) {
    case 'skip':
      return `${head} unchanged on ${b.builder}, load skipped (${took})`;
    case 'tag':
      return `${head} already present, tagged only (${took})`;
    case 'facade':
      return `${head} changed, pulled by digest from ${b.builder}'s store (${took}${size(r.bytes)})`;
    case 'registry':
      return `${head} changed, pulled by digest via the registry (${took}${size(r.bytes)})`;
    case 'tarball':
      return `${head} loaded as a tarball (${took})`;
    case 'local':
      return `${head} built with the local builder (${took})`;
    default:
      return `${head} build failed on ${b.builder} (${took})`;
  }
}

export async function reportBuild(cfg: ToolkitConfig, b: SmartBuild, r: SmartResult, service?: string): Promise<void> {
  if (r.warning) process.stderr.write(`helix: warning: ${r.warning}\n`);
  process.stderr.write(`${statusLine(b, r, service)}${b.push && !r.pushError ? '; pushed with docker' : ''}\n`);
  await appendEvent(cfg.eventsFile, buildEvent(b, r, service));
  // buildx's last line when the push after the build failed.
  if (r.pushError) process.stderr.write(`ERROR: failed to build: ${r.pushError}\n`);
}
