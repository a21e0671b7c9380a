// A small HTTP entry point a merge hook can call: POST /projects/<id>/golden-build starts (or queues)
// a golden build and answers 202 at once; GET /projects/<id>/golden-build reports its state. Every
// request gets an answer and none can end the process: a malformed path or id is 400, a project this
// host does not know 404.
import { createServer, type Server } from 'node:http';
import { asHelixError, oneLine, type ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { GoldenBuilder } from './golden-build.js';
import { isValidId } from './ids.js';

const STATUS: Partial<Record<ErrorCode, number>> = { BAD_CONFIG: 400, BAD_FILE: 400, BAD_FLAG: 400, NOT_FOUND: 404, CONFLICT: 409 };

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

export function serveTriggers(builder: GoldenBuilder, log: Logger, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const fail = (err: unknown) => {
      const e = asHelixError(err);
      reply(STATUS[e.code] ?? 500, { error: oneLine(e) });
    };
    const target = projectOfPath(req.url ?? '');
    if ('error' in target) return reply(target.status, { error: target.error });
    const { project } = target;
    if (req.method !== 'GET' && req.method !== 'POST') return reply(405, { error: 'GET or POST' });
    builder
      .config(project)
      .then(() => builder.state(project))
      .then((s) => {
        if (req.method === 'GET') return reply(200, s);
        reply(202, { project, accepted: s.status === 'building' ? 'queued' : 'started' });
        builder.trigger(project).catch((err: unknown) => log.error({ err }, `golden ${project}: ${oneLine(err)}`));
      })
      .catch(fail);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
