// Reads BuildKit's plain progress output (`--progress=plain`): which build steps ran and which were
// served from cache. Pure; tested against recorded real output.

export interface StepReport {
  /** Build steps: Dockerfile instructions other than FROM (the base is resolved, never built). */
  steps: string[];
  cached: string[];
  /** Seconds BuildKit reports for each step that ran (`#N DONE 1.2s`). */
  seconds: Record<string, number>;
}

const HEADER = /^#(\d+) \[(?:[^\]\s]+ )?\d+\/\d+\] (.+)$/;

export function stepReport(plain: string): StepReport {
  const names = new Map<string, string>();
  const cachedIds = new Set<string>();
  const done = new Map<string, number>();
  for (const line of plain.split('\n')) {
    const h = HEADER.exec(line.trimEnd());
    if (h) {
      const [, id, what] = h as unknown as [string, string, string];
      if (!what.startsWith('FROM ')) names.set(id, what);
      continue;
    }
    const c = /^#(\d+) CACHED\s*$/.exec(line);
    if (c) cachedIds.add(c[1] as string);
    const d = /^#(\d+) DONE (\d+(?:\.\d+)?)s\s*$/.exec(line);
    if (d) done.set(d[1] as string, Number(d[2]));
  }
  const ids = [...names.keys()];
  const seconds: Record<string, number> = {};
  for (const i of ids) if (done.has(i) && !cachedIds.has(i)) seconds[names.get(i) as string] = done.get(i) as number;
  return { steps: ids.map((i) => names.get(i) as string), cached: ids.filter((i) => cachedIds.has(i)).map((i) => names.get(i) as string), seconds };
}
