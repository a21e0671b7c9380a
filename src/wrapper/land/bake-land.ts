// After a bake that kept each target's image in BuildKit's store (for the facade) or pushed it by
// digest: every target lands in the daemon as a smart build's image does (skip, tag, or pull by
// digest), with one status line and one event each. Targets the facade cannot serve land through the
// registry after the same bake again, pushing (all cache hits).
import { readFile } from 'node:fs/promises';
import type { ToolkitConfig } from '../../lib/config.js';
import type { ChildResult } from '../child.js';
import { reportBuild } from '../report/report.js';
import { digestsOf, type Digests, type ImageLander, type Landed } from './image-lander.js';

export interface BakeItem {
  /** The bake target (a compose service's name, for compose). */
  target: string;
  lander: ImageLander;
  /** Its transfer repository in the shared registry. */
  repo: string;
  /** The local ids of its tags, asked while the bake ran. */
  ids: Promise<Map<string, string | undefined>>;
}

/** Whether every target can come from the facade; if so, their pull tokens are asked at once. */
export function landFromFacade(items: ReadonlyArray<Pick<BakeItem, 'lander' | 'repo'>>, facadeUp: boolean): boolean {
  if (!items.every((i) => i.lander.pullsFromFacade(facadeUp))) return false;
  for (const i of items) void i.lander.facadeToken(i.repo);
  return true;
}

/** How the bake's images are to be moved. */
export type Landing =
  | { via: 'registry' }
  /** `pushAgain` runs the same bake with pushing outputs and gives its metadata file, or undefined if it failed. */
  | { via: 'facade'; pushAgain: () => Promise<string | undefined> };

/** A target landed while the bake still ran, from the digests its progress showed; and when that ended. */
export interface EarlyLanding {
  digests: Required<Digests>;
  got: Landed;
  at: number;
}

/** One target into the daemon from where the bake left it: BuildKit's store (the facade) or the registry. */
function land(i: BakeItem, d: Digests, via: Landing['via']): Promise<Landed> {
  return via === 'facade' ? i.lander.landKept(i.repo, d, i.ids) : i.lander.landPushed(i.repo, d, i.ids);
}

/** Lands one target as soon as its export finished; undefined if that failed (the end's landing retries). */
export function landEarly(i: BakeItem, d: Required<Digests>, via: Landing['via']): Promise<EarlyLanding | undefined> {
  return land(i, d, via).then(
    (g) => ({ digests: d, got: g, at: Date.now() }),
    () => undefined,
  );
}

type Metadata = Record<string, Record<string, unknown>>;

const readMetadata = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Metadata;
const digests = (m: Metadata, i: BakeItem) => digestsOf(m[i.target] ?? {}, `bake metadata of ${i.target}`);

/**
 * @param early targets landed while the bake ran; each counts only if the metadata file has the same digests
 * @returns how each target landed
 */
export async function landTargets(
  cfg: ToolkitConfig,
  items: readonly BakeItem[],
  build: ChildResult,
  metadataFile: string,
  started: number,
  landing: Landing = { via: 'registry' },
  early: ReadonlyMap<string, Promise<EarlyLanding | undefined>> = new Map(),
): Promise<Map<string, Landed>> {
  const m = await readMetadata(metadataFile);
  // The bake pushing every target runs once, for all the targets the facade could not serve.
  let pushed: Promise<Metadata | undefined> | undefined;
  const pushedDigests = (i: BakeItem) => async () => {
    if (landing.via !== 'facade') return undefined;
    pushed ??= landing.pushAgain().then((f) => (f ? readMetadata(f) : undefined));
    const again = await pushed;
    return again && digests(again, i);
  };
  const landed = new Map<string, Landed>();
  await Promise.all(
    items.map(async (i) => {
      const d = digests(m, i);
      const e = await early.get(i.target);
      const same = e && e.digests.config === d.config && e.digests.manifest === d.manifest ? e : undefined;
      const got = same ? same.got : landing.via === 'facade' ? await i.lander.landKeptOrPushed(i.repo, d, i.ids, pushedDigests(i)) : await i.lander.landPushed(i.repo, d, i.ids);
      landed.set(i.target, got);
      await reportBuild(cfg, i.lander.b, { build, ...got, ms: (same?.at ?? Date.now()) - started }, i.target);
    }),
  );
  return landed;
}
