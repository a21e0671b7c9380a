import { listProjects, required, unknownSub, type Command } from './command.js';

export const golden: Command = {
  usage: [
    '  golden build P | status P | resume [P]',
    '                                  golden builds of project P (config: <state>/projects/P.json)',
  ].join('\n'),
  async run({ sub, rest }, d) {
    if (sub === 'resume' && !rest[0]) {
      for (const p of await listProjects(d.store, d.log)) await d.goldens.resume(p);
      return 0;
    }
    const project = required(rest[0], `golden ${sub ?? ''}`, 'project id');
    switch (sub) {
      case 'build': {
        const r = await d.goldens.trigger(project);
        const last = (await d.goldens.state(project)).history.at(-1);
        process.stdout.write(`${r === 'queued' ? 'queued behind the running build' : `${last?.status}${last?.generation ? ` (generation ${last.generation})` : ''}`}\n`);
        return r === 'queued' || last?.status === 'succeeded' ? 0 : 1;
      }
      case 'status':
        process.stdout.write(`${JSON.stringify({ ...(await d.goldens.state(project)), current: (await d.store.current(project))?.meta }, null, 2)}\n`);
        return 0;
      case 'resume':
        await d.goldens.resume(project);
        return 0;
      default:
        return unknownSub('golden', sub, ['build', 'status', 'resume']);
    }
  },
};
