// Reads BuildKit's progress output: from plain output, which build steps ran and which were served
// from cache; from rawjson, how long the ones that ran took. Pure; tested against recorded real output.
// Several builds' output may follow each other: their step numbers restart, so a CACHED line belongs
// to the latest header with its number.

export interface StepReport {
  /** Build steps: Dockerfile instructions other than FROM (the base is resolved, never built). */
  steps: string[];
  cached: string[];
}

const HEADER = /^#(\d+) \[(?:[^\]\s]+ )?\d+\/\d+\] (.+)$/;
const CACHED = /^#(\d+) CACHED\s*$/;

interface Step {
  name: string;
  cached: boolean;
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
    }
  }
  return { steps: steps.map((s) => s.name), cached: steps.filter((s) => s.cached).map((s) => s.name) };
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
