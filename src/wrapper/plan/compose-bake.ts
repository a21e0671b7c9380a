// Turns a compose project's service builds into one bake definition: every service a target, a service
// that builds on another one using that target directly (`target:` context), each pushed by digest to
// its transfer repository. One buildx process and one BuildKit session for the whole project instead
// of one per service: on a one-line change most of the time was process start and contention. Pure.
import { bakeLiteral } from './bake-literal.js';
import { contextOf, keyValue, type ParsedBuild } from '../read/build-flags.js';

export interface BakeService {
  service: string;
  /** The service's build as the smart path runs it (no tags, no outputs). */
  build: ParsedBuild;
  inlineDockerfile?: string;
  /** Other services' images this build uses, with the reference it uses them by. */
  needs: Array<{ service: string; ref: string }>;
  /** The image exporter's output: its transfer repository, pushed by digest. */
  output: string;
}

export type BakeTarget = Record<string, string | string[] | boolean | Record<string, string>>;

export interface BakeDefinition {
  group: { default: { targets: string[] } };
  target: Record<string, BakeTarget>;
}

/** Repeatable flags that are lists of the same name in a bake target. */
const LISTS = new Set(['secret', 'cache-from', 'cache-to']);

/** One service's target, or the flag bake cannot express here (the caller then builds per service). */
function targetOf(s: BakeService, env: Readonly<Record<string, string | undefined>>): BakeTarget | string {
  const context = contextOf(s.build);
  if (context === undefined || context === '-') return 'needs exactly one context';
  const t: BakeTarget = { context, output: [s.output] };
  const map = (key: string): Record<string, string> => (t[key] ??= {}) as Record<string, string>;
  const list = (key: string): string[] => (t[key] ??= []) as string[];
  for (const f of s.build.flags) {
    switch (f.name) {
      case 'file':
        t.dockerfile = f.value;
        break;
      case 'build-arg': {
        const [k, v] = keyValue(f.value, env);
        if (v !== undefined) map('args')[k] = v;
        break;
      }
      case 'build-context': {
        const [k, v] = keyValue(f.value);
        if (v === undefined) return `--build-context ${f.value}`;
        map('contexts')[k] = v;
        break;
      }
      case 'add-host': {
        const m = /^([^=:]+)[=:](.+)$/.exec(f.value);
        if (!m) return `--add-host ${f.value}`;
        map('extra-hosts')[m[1] as string] = m[2] as string;
        break;
      }
      case 'label': {
        const [k, v] = keyValue(f.value);
        map('labels')[k] = v ?? '';
        break;
      }
      case 'target':
      case 'network':
      case 'shm-size':
        t[f.name] = f.value;
        break;
      case 'platform':
        list('platforms').push(...f.value.split(',').filter(Boolean));
        break;
      case 'ulimit':
        list('ulimits').push(f.value);
        break;
      case 'no-cache':
      case 'pull':
        t[f.name] = f.value !== 'false';
        break;
      case 'progress':
        break; // one progress display for the whole bake
      default:
        // ssh among them: bake asks for an entitlement that a build does not.
        if (!LISTS.has(f.name)) return `--${f.name}`;
        list(f.name).push(f.value);
    }
  }
  if (s.inlineDockerfile !== undefined) t['dockerfile-inline'] = s.inlineDockerfile;
  for (const n of s.needs) map('contexts')[n.ref] = `target:${n.service}`;
  return t;
}

/** The bake definition, or why these builds cannot go through one bake. */
export function bakeDefinition(services: readonly BakeService[], env: Readonly<Record<string, string | undefined>>): { definition: BakeDefinition } | { unsupported: string } {
  const target: Record<string, BakeTarget> = {};
  for (const s of services) {
    if (!/^[a-zA-Z0-9_-]+$/.test(s.service)) return { unsupported: `service ${s.service}: not a valid bake target name` };
    const t = targetOf(s, env);
    if (typeof t === 'string') return { unsupported: `service ${s.service}: ${t}` };
    target[s.service] = bakeLiteral(t);
  }
  return { definition: { group: { default: { targets: services.map((s) => s.service) } }, target } };
}
