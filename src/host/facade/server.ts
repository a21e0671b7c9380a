// The registry facade: BuildKit's own content store, read-only, answering the registry API's manifest
// and blob reads by digest, so a session's dockerd pulls a build's result straight from the builder,
// with no push into the shared registry first. Tokens are the shared registry's: a session reads
// only its own project's repositories, as it does there.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Access } from '../registry-auth/access.js';
import { parseRange, parseRequest } from './requests.js';

export interface FacadeService {
  /**
   * The root of the BuildKit content store (its blobs/sha256/ holds every blob by digest) that serves a
   * repository: the shared builder's, or under `project` tenancy its project's; undefined if it has none yet.
   */
  contentDir: (repository: string) => string | undefined;
  verify: (token: string) => Promise<Access[] | undefined>;
  /** The token server, as the registry's challenge names it. */
  realm: string;
  service: string;
}

/** No manifest comes near this; a bigger "manifest" is a layer asked for by the wrong name. */
const MAX_MANIFEST = 4 * 1024 * 1024;

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function pullable(svc: FacadeService, header: string | undefined, repository: string | undefined): Promise<boolean> {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  const access = m ? await svc.verify(m[1] as string) : undefined;
  if (!access) return false;
  return repository === undefined || access.some((a) => a.type === 'repository' && a.name === repository && a.actions.includes('pull'));
}

/** The media type a manifest declares, or the one its shape implies (old OCI manifests may omit it). */
export function manifestMediaType(body: Buffer): string | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { mediaType?: unknown; manifests?: unknown; layers?: unknown };
    if (typeof doc.mediaType === 'string') return doc.mediaType;
    if (Array.isArray(doc.manifests)) return 'application/vnd.oci.image.index.v1+json';
    if (Array.isArray(doc.layers)) return 'application/vnd.oci.image.manifest.v1+json';
  } catch {
    // Not JSON: not a manifest.
  }
  return undefined;
}

async function serve(svc: FacadeService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  const r = parseRequest(req.method, req.url);
  if (r.kind === 'refused') return fail(res, r.status, r.code, r.message);
  const repository = r.kind === 'base' ? undefined : r.repository;
  if (!(await pullable(svc, req.headers.authorization, repository))) {
    const scope = repository ? `,scope="repository:${repository}:pull"` : '';
    res.setHeader('WWW-Authenticate', `Bearer realm="${svc.realm}",service="${svc.service}"${scope}`);
    return fail(res, 401, 'UNAUTHORIZED', 'authentication required');
  }
  if (r.kind === 'base') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 });
    res.end(req.method === 'HEAD' ? undefined : '{}');
    return;
  }
  const unknown = r.kind === 'manifest' ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN';
  const store = svc.contentDir(r.repository);
  if (!store) return fail(res, 404, unknown, `${r.digest} is not in the builder's store`);
  let fh: FileHandle;
  try {
    fh = await open(join(store, 'blobs', 'sha256', r.digest.slice('sha256:'.length)), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fail(res, 404, unknown, `${r.digest} is not in the builder's store`);
    throw err;
  }
  let streaming = false;
  try {
    const size = (await fh.stat()).size;
    const common = { 'Docker-Content-Digest': r.digest, ETag: `"${r.digest}"` };
    if (r.kind === 'manifest') {
      const body = size <= MAX_MANIFEST ? await fh.readFile() : undefined;
      const type = body && manifestMediaType(body);
      if (!body || !type) return fail(res, 404, unknown, `${r.digest} is not a manifest`);
      res.writeHead(200, { ...common, 'Content-Type': type, 'Content-Length': size });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const range = parseRange(req.headers.range, size);
    if (range === null) {
      res.setHeader('Content-Range', `bytes */${size}`);
      return fail(res, 416, 'BLOB_UNKNOWN', 'range not satisfiable');
    }
    const [start, end] = range ?? [0, size - 1];
    res.writeHead(range ? 206 : 200, {
      ...common,
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    streaming = true;
    // The stream closes the file, also when the client goes away mid-blob.
    await pipeline(fh.createReadStream({ start, end, highWaterMark: 1024 * 1024 }), res);
  } finally {
    if (!streaming) await fh.close();
  }
}

export function facadeHandler(svc: FacadeService, onError: (err: unknown) => void = () => undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(svc, req, res).catch((err: unknown) => {
      // A client that hangs up mid-blob is not the facade's error.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') onError(err);
      if (!res.headersSent) fail(res, 500, 'UNKNOWN', 'internal error');
      else res.destroy();
    });
  };
}
