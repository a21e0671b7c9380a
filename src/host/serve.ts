// A small HTTP entry point a merge hook can call: POST /projects/<id>/golden-build starts (or queues)
// a golden build and answers 202 at once; GET /projects/<id>/golden-build reports its state.
import { createServer, type Server } from 'node:http';
import { oneLine } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { GoldenBuilder } from './golden-build.js';

export function serveTriggers(builder: GoldenBuilder, log: Logger, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    const m = /^\/projects\/([^/]+)\/golden-build$/.exec(req.url ?? '');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (!m) return reply(404, { error: 'use /projects/<id>/golden-build' });
    const project = decodeURIComponent(m[1] as string);
    if (req.method === 'GET') {
      builder.state(project).then((s) => reply(200, s), (err: unknown) => reply(400, { error: oneLine(err) }));
    } else if (req.method === 'POST') {
      builder.state(project).then(
        (s) => {
          reply(202, { project, accepted: s.status === 'building' ? 'queued' : 'started' });
          builder.trigger(project).catch((err: unknown) => log.error({ err }, `golden ${project}: ${oneLine(err)}`));
        },
        (err: unknown) => reply(400, { error: oneLine(err) }),
      );
    } else {
      reply(405, { error: 'GET or POST' });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
