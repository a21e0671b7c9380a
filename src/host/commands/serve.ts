import { serveTriggers } from '../serve.js';
import { listProjects, type Command } from './command.js';

export const serve: Command = {
  usage: '  serve [--port 7770]             HTTP trigger for merge hooks: POST /projects/P/golden-build',
  async run({ flags }, d) {
    const port = Number(flags.port);
    for (const p of await listProjects(d.store)) void d.goldens.resume(p);
    await serveTriggers(d.goldens, d.log, port);
    d.log.info(`listening on 127.0.0.1:${port}: POST /projects/<id>/golden-build`);
    return new Promise<number>(() => {});
  },
};
