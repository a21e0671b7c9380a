// A build's --metadata-file as docker's own builder writes it. buildx writes what the shared builder's
// solve exported (the transfer name, the manifest digest, the arguments the wrapper added); once the
// image is in the daemon, the file says what a build on the local builder would have said of it. Pure.
import { CACHE_NS_ARG } from '../plan/plan.js';
import { qualifiedName } from '../../lib/reference.js';

export interface LandedImage {
  /** The image's id in the daemon: its config digest (classic store) or manifest digest (containerd store). */
  imageId: string;
  tags: readonly string[];
  /** The user's own --build-context flags, name → value as given (the wrapper adds its own for local bases). */
  userContexts: Readonly<Record<string, string>>;
  /** The BUILDKIT_CACHE_MOUNT_NS the user set (the build ran with it inside the project's); absent: the wrapper set it. */
  userCacheNamespace?: string;
  /** The registry's digest of the image the daemon pushed: buildx reports it as the image's digest. */
  pushed?: string;
}

/** The capability buildx asks for when a build has named contexts. */
const CONTEXTS_CAP = 'moby.buildkit.frontend.contexts+forward';

function withoutAddedArgs(provenance: unknown, img: LandedImage): unknown {
  const p = provenance as { invocation?: { parameters?: { args?: Record<string, unknown> } } } | undefined;
  const args = p?.invocation?.parameters?.args;
  if (!p?.invocation?.parameters || !args || typeof args !== 'object') return provenance;
  const user = new Map(Object.entries(img.userContexts));
  const kept = Object.fromEntries(
    Object.entries(args)
      .filter(([k]) => {
        if (k === `build-arg:${CACHE_NS_ARG}`) return img.userCacheNamespace !== undefined;
        if (k.startsWith('context:')) return user.has(k.slice('context:'.length));
        return true;
      })
      // A user's docker-image:// context of a local image was given pinned in the registry: theirs as they wrote it.
      .map(([k, v]) => [k, k.startsWith('context:') ? user.get(k.slice('context:'.length)) : k === `build-arg:${CACHE_NS_ARG}` ? img.userCacheNamespace : v]),
  );
  if (!user.size && kept['frontend.caps'] === CONTEXTS_CAP) delete kept['frontend.caps'];
  // buildx leaves out arguments that are empty.
  const { args: _, ...parameters } = p.invocation.parameters;
  return { ...p, invocation: { ...p.invocation, parameters: Object.keys(kept).length ? { ...parameters, args: kept } : parameters } };
}

export function localMetadata(m: Readonly<Record<string, unknown>>, img: LandedImage): Record<string, unknown> {
  const out: Record<string, unknown> = { ...m };
  const classic = img.imageId === m['containerimage.config.digest'];
  if (classic) {
    // The classic store knows an image by its config: docker's builder reports that as the digest.
    out['containerimage.digest'] = img.imageId;
    delete out['containerimage.descriptor'];
  }
  if (img.pushed) out['containerimage.digest'] = img.pushed;
  if (img.tags.length) out['image.name'] = img.tags.map((t) => qualifiedName(t, false)).join(',');
  else if (classic) delete out['image.name'];
  else out['image.name'] = `moby-dangling@${img.imageId}`;
  if ('buildx.build.provenance' in out) out['buildx.build.provenance'] = withoutAddedArgs(out['buildx.build.provenance'], img);
  return out;
}

/** A bake's metadata file: each landed target's entry as docker's builder writes it; other keys as they are. */
export function localBakeMetadata(m: Readonly<Record<string, unknown>>, targets: ReadonlyMap<string, LandedImage>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(m).map(([k, v]) => {
      const img = targets.get(k);
      return [k, img && v && typeof v === 'object' ? localMetadata(v as Record<string, unknown>, img) : v];
    }),
  );
}
