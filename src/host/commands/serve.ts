import { HelixError, oneLine } from '../../lib/errors.js';
import { gcIfDue } from '../registry-gc.js';
import { stopIdleBuilders } from '../project-builder.js';
import { serveToken, serveTriggers } from '../serve.js';
import { listProjects, type Command } from './command.js';

export const serve: Command = {
  usage: '  serve [--port 7770]             HTTP trigger for merge hooks: POST /projects/P/golden-build (bearer token in <state>/serve.token)',
  async run({ flags }, d) {
    const port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535) throw new HelixError('BAD_FLAG', `--port ${JSON.stringify(flags.port)} is not a port number (1-65535)`);
    const token = await serveToken(`${d.cfg.stateDir}/serve.token`);
    const maxBuilds = Math.max(1, Number(process.env.HELIX_MAX_GOLDEN_BUILDS ?? 2) || 2);
    for (const p of await listProjects(d.store, d.log)) void d.goldens.resume(p).catch((err: unknown) => d.log.error(`golden ${p}: ${oneLine(err)}`));
    await serveTriggers(d.goldens, d.log, port, { token, maxBuilds });
    // Registry garbage collection when due, checked hourly; a failed one is logged and tried again later.
    const gc = () => void gcIfDue(d).catch((err: unknown) => d.log.error(`registry gc: ${oneLine(err)}`));
    setInterval(gc, 3_600_000).unref();
    gc();
    // Each revocation stops its idle builder at once; this stops those that outlived their desktops
    // otherwise (a command killed between the two, an engine restart that brought every builder back).
    const idle = () => void stopIdleBuilders(d).catch((err: unknown) => d.log.error(`project builders: ${oneLine(err)}`));
    if (d.cfg.tenancy === 'project') setInterval(idle, 60_000).unref();
    d.log.info(`listening on 127.0.0.1:${port}: POST /projects/<id>/golden-build with "Authorization: Bearer $(cat ${d.cfg.stateDir}/serve.token)"`);
    return new Promise<number>(() => {});
  },
};
