// A small HTTP entry point a merge hook can call: POST /projects/<id>/golden-build starts (or queues)
// a golden build and answers 202 at once; GET /projects/<id>/golden-build reports its state. Every
// request gets an answer and none can end the process: a malformed path or id is 400, a project this
// host does not know 404. A trigger needs the bearer token `serve` made at its first start (0600 in
// the state dir); a Host that is not loopback or any cross-site Origin is refused (a browser page must
// not be able to trigger builds); bodies are bounded; at most `maxBuilds` golden builds run at once.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { asHelixError, oneLine, type ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { GoldenBuilder } from './golden-build.js';
import { isValidId } from './ids.js';

const STATUS: Partial<Record<ErrorCode, number>> = { BAD_CONFIG: 400, BAD_FILE: 400, BAD_FLAG: 400, NOT_FOUND: 404, CONFLICT: 409 };
const MAX_BODY = 64 * 1024;

export interface ServeOptions {
  /** The bearer token triggers must carry. */
  token: string;
  /** Golden builds this process runs at once; further triggers wait for a slot. */
  maxBuilds: number;
  host?: string;
}

/** The token in `file`, made (random, 0600, never overwritten) if there is none yet. */
export async function serveToken(file: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  try {
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readFile(file, 'utf8')).trim();
  }
}

/** The project a path names, or why it names none. Pure. */
export function projectOfPath(url: string): { project: string } | { status: number; error: string } {
  const m = /^\/projects\/([^/?#]+)\/golden-build$/.exec(url);
  if (!m) return { status: 404, error: 'use /projects/<id>/golden-build' };
  let project: string;
  try {
    project = decodeURIComponent(m[1] as string);
  } catch {
    return { status: 400, error: 'malformed project id in the path' };
  }
  return isValidId('project', project) ? { project } : { status: 400, error: `invalid project id ${JSON.stringify(project)}` };
}

/** Why a request may not go on (status and reason), or undefined; the token is checked later. Pure. */
export function refusal(req: Pick<IncomingMessage, 'headers'>): { status: number; error: string } | undefined {
  const host = req.headers.host ?? '';
  if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host)) return { status: 403, error: `Host ${JSON.stringify(host)} is not this loopback service` };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return { status: 403, error: 'cross-site requests are refused' };
  const length = Number(req.headers['content-length'] ?? 0);
  if (!(length >= 0 && length <= MAX_BODY)) return { status: 413, error: `bodies are limited to ${MAX_BODY} bytes` };
  return undefined;
}

/** The request's body is read (and dropped) to its end; false if it went over the bound. */
function drained(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) resolve(false);
    });
    req.on('end', () => resolve(size <= MAX_BODY));
    req.on('error', () => resolve(false));
  });
}

/** Runs at most `n` tasks at once; the others wait their turn in order. */
function slots(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function serveTriggers(builder: GoldenBuilder, log: Logger, port: number, o: ServeOptions): Promise<Server> {
  const slot = slots(o.maxBuilds);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    const reply = (code: number, body: unknown) => {
      if (res.headersSent) return;
      res.writeHead(code, { 'content-type': 'application/json', connection: 'close' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const fail = (err: unknown) => {
      const e = asHelixError(err);
      reply(STATUS[e.code] ?? 500, { error: oneLine(e) });
    };
    const refused = refusal(req);
    if (refused) return reply(refused.status, { error: refused.error });
    const target = projectOfPath(req.url ?? '');
    if ('error' in target) return reply(target.status, { error: target.error });
    const { project } = target;
    if (req.method !== 'GET' && req.method !== 'POST') return reply(405, { error: 'GET or POST' });
    if (req.method === 'POST' && req.headers.authorization !== `Bearer ${o.token}`) return reply(401, { error: 'a trigger needs the bearer token in <state>/serve.token' });
    // No request needs a body: it is read and dropped before anything is done, and one over the bound ends it.
    drained(req)
      .then((ok) => {
        if (ok) return builder.config(project);
        reply(413, { error: `bodies are limited to ${MAX_BODY} bytes` });
        req.destroy();
        return Promise.reject(new Error('body too large'));
      })
      .then(() => builder.state(project))
      .then(async (s) => {
        if (req.method === 'GET') return reply(200, s);
        // On disk before the answer: a restart after the 202 still builds.
        await builder.request(project);
        reply(202, { project, accepted: s.status === 'building' ? 'queued' : 'started' });
        slot(() => builder.trigger(project)).catch((err: unknown) => log.error({ err }, `golden ${project}: ${oneLine(err)}`));
      })
      .catch((err: unknown) => (res.headersSent ? undefined : fail(err)));
  });
  // A request the HTTP parser cannot take (garbage, headers over the limit) still gets an answer.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(err.code === 'HPE_HEADER_OVERFLOW' ? 'HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\n\r\n');
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, o.host ?? '127.0.0.1', () => resolve(server));
  });
}
