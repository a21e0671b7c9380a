// After a bake that pushed each target's image by digest: every target lands in the daemon as a smart
// build's image does (skip, tag, or pull by digest), with one status line and one event each.
import { readFile } from 'node:fs/promises';
import type { ToolkitConfig } from '../lib/config.js';
import type { ChildResult } from './child.js';
import { reportBuild } from './report.js';
import { digestsOf, type Session } from './smart-build.js';

export interface BakeItem {
  /** The bake target (a compose service's name, for compose). */
  target: string;
  session: Session;
  /** Its transfer repository in the shared registry. */
  repo: string;
  /** The local ids of its tags, asked while the bake ran. */
  ids: Promise<Map<string, string | undefined>>;
}

/** @returns each target's transfer reference */
export async function landTargets(cfg: ToolkitConfig, items: readonly BakeItem[], build: ChildResult, metadataFile: string, started: number): Promise<Map<string, string>> {
  const m = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, Record<string, unknown>>;
  const landed = await Promise.all(
    items.map(async (i) => {
      const got = await i.session.landPushed(i.repo, digestsOf(m[i.target] ?? {}, `bake metadata of ${i.target}`), i.ids);
      await reportBuild(cfg, i.session.b, { build, ...got, ms: Date.now() - started }, i.target);
      return [i.target, got.transferRef as string] as const;
    }),
  );
  return new Map(landed);
}
