// Reads BuildKit's plain progress output (`--progress=plain`): which build steps ran and which were
// served from cache. Pure; tested against recorded real output.

export interface StepReport {
  /** Build steps: Dockerfile instructions other than FROM (the base is resolved, never built). */
  steps: string[];
  cached: string[];
}

const HEADER = /^#(\d+) \[(?:[^\]\s]+ )?\d+\/\d+\] (.+)$/;

export function stepReport(plain: string): StepReport {
  const names = new Map<string, string>();
  const cachedIds = new Set<string>();
  for (const line of plain.split('\n')) {
    const h = HEADER.exec(line.trimEnd());
    if (h) {
      const [, id, what] = h as unknown as [string, string, string];
      if (!what.startsWith('FROM ')) names.set(id, what);
      continue;
    }
    const c = /^#(\d+) CACHED\s*$/.exec(line);
    if (c) cachedIds.add(c[1] as string);
  }
  const ids = [...names.keys()];
  return { steps: ids.map((i) => names.get(i) as string), cached: ids.filter((i) => cachedIds.has(i)).map((i) => names.get(i) as string) };
}
