// What to do with a freshly built image, given what the local daemon already has. Pure.

export type LoadAction =
  | { kind: 'skip' }
  | { kind: 'tag'; tags: string[] }
  | { kind: 'load' };

/**
 * @param digest the built image's config digest (the image id under the classic store)
 * @param localIds the local image id of each requested tag, undefined where the tag does not exist
 * @param digestPresent whether an image with that id exists locally under any name
 */
export function chooseLoadAction(digest: string, localIds: ReadonlyMap<string, string | undefined>, digestPresent: boolean): LoadAction {
  const stale = [...localIds].filter(([, id]) => id !== digest).map(([tag]) => tag);
  if (stale.length === 0 && (localIds.size > 0 || digestPresent)) return { kind: 'skip' };
  if (digestPresent) return stale.length ? { kind: 'tag', tags: stale } : { kind: 'skip' };
  return { kind: 'load' };
}
