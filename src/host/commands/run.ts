import { HelixError } from '../../lib/errors.js';
import { RunManager } from '../run-sidecar.js';
import { required, unknownSub, type Command } from './command.js';

export const run: Command = {
  usage: [
    '  run start ID --project P | stop ID | ls | reap',
    '                                  docker-in-docker runs with a BuildKit sidecar each',
  ].join('\n'),
  async run({ sub, rest, flags }, d) {
    const runs = new RunManager(d);
    switch (sub) {
      case 'ls':
        for (const m of await runs.list()) process.stdout.write(`${m.id}\t${m.project}\t${m.state}\n`);
        return 0;
      case 'reap': {
        const reaped = await runs.reapOrphans();
        process.stdout.write(reaped.length ? `reaped: ${reaped.join(', ')}\n` : 'no orphans\n');
        return 0;
      }
      case 'start': {
        const id = required(rest[0], 'run start', 'run id');
        if (!flags.project) throw new HelixError('BAD_FLAG', 'helix run start: --project is required (it names the reused cache)');
        await runs.reapOrphans();
        process.stdout.write(`${(await runs.start(id, flags.project)).container}\n`);
        return 0;
      }
      case 'stop':
        await runs.stop(required(rest[0], 'run stop', 'run id'));
        return 0;
      default:
        return unknownSub('run', sub, ['start', 'stop', 'ls', 'reap']);
    }
  },
};
