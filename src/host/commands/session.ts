import { execInSession, removeSession, startSession, stopSession } from '../session.js';
import { HelixError } from '../../lib/errors.js';
import { loadProjectConfig } from '../project-config.js';
import { required, unknownSub, type Command } from './command.js';

/** A project without a projects/P.json has no image of its own; a malformed one is still an error. */
const absentIsNone = (err: unknown) => {
  if (err instanceof HelixError && err.code === 'NOT_FOUND') return undefined;
  throw err;
};

export const session: Command = {
  usage: [
    '  session start ID [--bind H:C] [--project P] [--image I]',
    "                                  start a desktop session (from P's current golden; in P's image, else I)",
    "  session exec ID SCRIPT          run SCRIPT in the session's login shell",
    '  session stop ID                 stop a session cleanly, keeping it and its data',
    '  session rm ID                   stop and remove a session and its data-root',
  ].join('\n'),
  async run({ sub, rest, flags }, d) {
    const id = required(rest[0], ['session', sub].filter(Boolean).join(' '), 'session ID');
    switch (sub) {
      case 'start': {
        const project = flags.project;
        const golden = project ? await d.store.current(project) : undefined;
        // --image, else the project's own desktop image, else the host's.
        const image = flags.image ?? (project ? (await loadProjectConfig(d.cfg.stateDir, project).catch(absentIsNone))?.image : undefined);
        if (project && !golden) d.log.warn(`project ${project} has no golden yet; starting empty`);
        await startSession(d.engine, d.cfg, {
          id,
          project,
          binds: flags.bind,
          image,
          golden: golden ? { dir: golden.dir, id: `${project}/gen-${golden.meta.generation}` } : undefined,
        });
        if (golden && project) await d.store.touch(project, golden.meta.generation);
        return 0;
      }
      case 'stop':
        await stopSession(d.engine, id);
        return 0;
      case 'rm':
        await removeSession(d.engine, d.cfg, id);
        return 0;
      case 'exec': {
        const r = await execInSession(d.engine, id, rest.slice(1).join(' '), (s) => process.stderr.write(s));
        process.stdout.write(r.stdout);
        return r.exitCode;
      }
      default:
        return unknownSub('session', sub, ['start', 'exec', 'stop', 'rm']);
    }
  },
};
