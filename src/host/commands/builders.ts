import { listProjectBuilders, stopIdleBuilders } from '../project-builder.js';
import { unknownSub, type Command } from './command.js';

export const builders: Command = {
  usage: [
    '  builders ls [--json]            under HELIX_TENANCY=project: each project\'s BuildKit, and the desktops using it',
    '  builders stop-idle              stop the project builders no desktop holds credentials for',
  ].join('\n'),
  async run({ sub, flags }, d) {
    switch (sub) {
      case 'ls': {
        const all = await listProjectBuilders(d);
        if (flags.json) process.stdout.write(`${JSON.stringify({ tenancy: d.cfg.tenancy, builders: all }, null, 2)}\n`);
        else process.stdout.write(`${['PROJECT\tCONTAINER\tSTATE\tDESKTOPS', ...all.map((b) => `${b.project}\t${b.container}\t${b.running ? 'running' : 'stopped'}\t${b.desktops}`)].join('\n')}\n`);
        return 0;
      }
      case 'stop-idle': {
        const stopped = await stopIdleBuilders(d);
        process.stdout.write(`${stopped.length} idle project builders stopped${stopped.length ? `: ${stopped.join(', ')}` : ''}\n`);
        return 0;
      }
      default:
        return unknownSub('builders', sub, ['ls', 'stop-idle']);
    }
  },
};
