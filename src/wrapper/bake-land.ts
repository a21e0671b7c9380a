// After a bake that kept each target's image in BuildKit's store (for the facade) or pushed it by
// digest: every target lands in the daemon as a smart build's image does (skip, tag, or pull by
// digest), with one status line and one event each. Targets the facade cannot serve land through the
// registry after the same bake again, pushing (all cache hits).
import { readFile } from 'node:fs/promises';
import type { ToolkitConfig } from '../lib/config.js';
import { HelixError } from '../lib/errors.js';
import type { ChildResult } from './child.js';
import { reportBuild } from './report.js';
import { digestsOf, facadeWarning, type Session } from './smart-build.js';

export interface BakeItem {
  /** The bake target (a compose service's name, for compose). */
  target: string;
  session: Session;
  /** Its transfer repository in the shared registry. */
  repo: string;
  /** The local ids of its tags, asked while the bake ran. */
  ids: Promise<Map<string, string | undefined>>;
}

/** Whether every target can come from the facade; if so, their pull tokens are asked at once. */
export function landFromFacade(items: ReadonlyArray<Pick<BakeItem, 'session' | 'repo'>>, facadeUp: boolean): boolean {
  if (!items.every((i) => i.session.pullsFromFacade(facadeUp))) return false;
  for (const i of items) void i.session.facadeToken(i.repo);
  return true;
}

/** How the bake's images are to be moved. */
export type Landing =
  | { via: 'registry' }
  /** `pushAgain` runs the same bake with pushing outputs and gives its metadata file, or undefined if it failed. */
  | { via: 'facade'; pushAgain: () => Promise<string | undefined> };

type Metadata = Record<string, Record<string, unknown>>;

const readMetadata = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Metadata;
const digests = (m: Metadata, i: BakeItem) => digestsOf(m[i.target] ?? {}, `bake metadata of ${i.target}`);

/** @returns the transfer reference of each target that went through the registry */
export async function landTargets(cfg: ToolkitConfig, items: readonly BakeItem[], build: ChildResult, metadataFile: string, started: number, landing: Landing = { via: 'registry' }): Promise<Map<string, string>> {
  const m = await readMetadata(metadataFile);
  const refs = new Map<string, string>();
  const failed: Array<{ i: BakeItem; err: unknown }> = [];
  await Promise.all(
    items.map(async (i) => {
      try {
        const got = landing.via === 'facade' ? await i.session.landKept(i.repo, digests(m, i), i.ids) : await i.session.landPushed(i.repo, digests(m, i), i.ids);
        if (got.transferRef) refs.set(i.target, got.transferRef);
        await reportBuild(cfg, i.session.b, { build, ...got, ms: Date.now() - started }, i.target);
      } catch (err) {
        if (landing.via === 'registry') throw err;
        failed.push({ i, err });
      }
    }),
  );
  if (!failed.length || landing.via !== 'facade') return refs;
  const again = await landing.pushAgain();
  if (!again) throw new HelixError('COMMAND_FAILED', `the facade could not serve ${failed.map((f) => f.i.target).join(', ')}, and the bake pushing them failed`);
  const pushed = await readMetadata(again);
  for (const { i, err } of failed) {
    const got = await i.session.landPushed(i.repo, digests(pushed, i), i.ids);
    if (got.transferRef) refs.set(i.target, got.transferRef);
    await reportBuild(cfg, i.session.b, { build, ...got, kept: i.repo, warning: facadeWarning(cfg, err, 'registry'), ms: Date.now() - started }, i.target);
  }
  return refs;
}
