// Reads BuildKit's plain progress output (`--progress=plain`): which build steps ran, which were
// served from cache, and how long the ones that ran took. Pure; tested against recorded real output.
// Several builds' output may follow each other (a compose build): their step numbers restart, so a
// CACHED or DONE line belongs to the latest header with its number.

export interface StepReport {
  /** Build steps: Dockerfile instructions other than FROM (the base is resolved, never built). */
  steps: string[];
  cached: string[];
  /** Seconds BuildKit reports for each step that ran (`#N DONE 1.2s`). */
  seconds: Record<string, number>;
}

const HEADER = /^#(\d+) \[(?:[^\]\s]+ )?\d+\/\d+\] (.+)$/;
const CACHED = /^#(\d+) CACHED\s*$/;
const DONE = /^#(\d+) DONE (\d+(?:\.\d+)?)s\s*$/;

interface Step {
  name: string;
  cached: boolean;
  seconds?: number;
}

export function stepReport(plain: string): StepReport {
  const steps: Step[] = [];
  const latest = new Map<string, Step | undefined>();
  for (const raw of plain.split('\n')) {
    const line = raw.trimEnd();
    const h = HEADER.exec(line);
    if (h) {
      const [, id, what] = h as unknown as [string, string, string];
      const step = what.startsWith('FROM ') ? undefined : { name: what, cached: false };
      if (step) steps.push(step);
      latest.set(id, step);
      continue;
    }
    const c = CACHED.exec(line);
    if (c) {
      const s = latest.get(c[1] as string);
      if (s) s.cached = true;
      continue;
    }
    const d = DONE.exec(line);
    if (d) {
      const s = latest.get(d[1] as string);
      if (s) s.seconds = Number(d[2]);
    }
  }
  const seconds: Record<string, number> = {};
  for (const s of steps) if (!s.cached && s.seconds !== undefined) seconds[s.name] = s.seconds;
  return { steps: steps.map((s) => s.name), cached: steps.filter((s) => s.cached).map((s) => s.name), seconds };
}

interface RawVertex {
  digest?: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
}

/**
 * Seconds of each step that ran, from BuildKit's `rawjson` progress. Unlike plain output it names
 * steps by vertex digest, so several builds writing to one stream at once cannot be confused.
 */
export function rawStepSeconds(rawjson: string): Record<string, number> {
  const byDigest = new Map<string, RawVertex>();
  for (const line of rawjson.split('\n')) {
    if (!line.startsWith('{')) continue;
    let status: { vertexes?: RawVertex[] };
    try {
      status = JSON.parse(line) as { vertexes?: RawVertex[] };
    } catch {
      continue; // a line torn by another writer
    }
    for (const v of status.vertexes ?? []) if (v.digest) byDigest.set(v.digest, { ...byDigest.get(v.digest), ...v });
  }
  const out: Record<string, number> = {};
  for (const v of byDigest.values()) {
    const name = v.name ? HEADER.exec(`#0 ${v.name}`)?.[2] : undefined;
    if (!name || v.cached || !v.started || !v.completed) continue;
    out[name] = (Date.parse(v.completed) - Date.parse(v.started)) / 1000;
  }
  return out;
}
