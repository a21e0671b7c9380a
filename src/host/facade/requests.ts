// What the registry facade is asked, read from the request line: the API root, or a manifest or blob
// of a project repository by digest. Tags, uploads, the catalog and everything else are refused,
// since the facade only hands a session the image its own build just made. Pure.
import { isProjectId, PROJECTS_PREFIX } from '../../lib/registry-names.js';

export type FacadeRequest =
  | { kind: 'base' }
  | { kind: 'manifest' | 'blob'; repository: string; digest: string }
  | { kind: 'refused'; status: number; code: string; message: string };

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** A repository path as the distribution spec allows it. */
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseRequest(method: string | undefined, rawUrl: string | undefined): FacadeRequest {
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'refused', status: 405, code: 'UNSUPPORTED', message: 'the facade is read-only' };
  const path = new URL(rawUrl ?? '/', 'http://facade').pathname;
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
  if (!m) return { kind: 'refused', status: 404, code: 'UNSUPPORTED', message: 'not part of the facade' };
  const [, repository, what, ref] = m as unknown as [string, string, string, string];
  if (!NAME.test(repository) || !repository.startsWith(`${PROJECTS_PREFIX}/`)) {
    return { kind: 'refused', status: 404, code: 'NAME_UNKNOWN', message: `${repository} is not a project repository` };
  }
  if (!DIGEST.test(ref)) {
    return { kind: 'refused', status: 404, code: what === 'manifests' ? 'MANIFEST_UNKNOWN' : 'DIGEST_INVALID', message: 'the facade serves by sha256 digest only' };
  }
  return { kind: what === 'manifests' ? 'manifest' : 'blob', repository, digest: ref };
}

/** One "bytes=a-b" range of a blob of `size` bytes, as [start, end] inclusive; null for an unsatisfiable one. */
export function parseRange(header: string | undefined, size: number): [number, number] | null | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? null : [size - n, size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? null : [start, end];
}

/** The project a repository the facade serves belongs to (`helix-projects/<project>/...`), or undefined. */
export function projectOfRepository(repository: string): string | undefined {
  const [prefix, project] = repository.split('/');
  return prefix === PROJECTS_PREFIX && project !== undefined && isProjectId(project) ? project : undefined;
}
