// Reads `docker pull` output: which layers came over the wire and which the daemon already had. Pure.

export interface PullLayers {
  pulled: string[];
  existing: string[];
}

export function pullLayers(output: string): PullLayers {
  const pulled = new Set<string>();
  const existing = new Set<string>();
  for (const line of output.split(/[\r\n]+/)) {
    const m = /^([0-9a-f]{12}): (Pull complete|Already exists)/.exec(line.trim());
    if (!m) continue;
    (m[2] === 'Already exists' ? existing : pulled).add(m[1] as string);
  }
  return { pulled: [...pulled], existing: [...existing] };
}

export interface ManifestLayer {
  digest: string;
  size: number;
}

/** Bytes that moved: the sizes of the manifest's layers whose short ids were pulled. */
export function bytesPulled(layers: readonly ManifestLayer[], pulled: readonly string[]): number {
  const want = new Set(pulled);
  return layers.filter((l) => want.has(l.digest.replace(/^sha256:/, '').slice(0, 12))).reduce((n, l) => n + l.size, 0);
}
