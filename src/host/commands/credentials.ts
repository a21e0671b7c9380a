import { HelixError } from '../../lib/errors.js';
import { assertNoIdentity, dockerRunArgs, issueIdentity, listIdentities, ownProject, revokeIdentity } from '../desktop-identity.js';
import { checkId } from '../ids.js';
import { stopIdleBuilders, withProjectBuilder } from '../project-builder.js';
import { required, unknownSub, type Command } from './command.js';

export const credentials: Command = {
  usage: [
    '  credentials issue ID [--project P]',
    '                                  credentials for a desktop you start yourself; prints its docker run arguments',
    "  credentials revoke ID           withdraw them (the desktop's next build uses its local builder)",
    '  credentials ls [--json]         the credentials issued, sessions included',
  ].join('\n'),
  async run({ sub, rest, flags }, d) {
    switch (sub) {
      case 'issue': {
        const id = checkId('session', required(rest[0], 'credentials issue', 'desktop ID'));
        const project = flags.project === undefined ? ownProject(id) : checkId('project', flags.project);
        await assertNoIdentity(d.cfg, id);
        await withProjectBuilder(d, project, () => issueIdentity(d.cfg, { id, project, days: d.cfg.credentialDays }));
        process.stderr.write(`helix: credentials for desktop ${id} (project ${project}) valid ${d.cfg.credentialDays} days; start it with these docker run arguments:\n`);
        process.stdout.write(`${dockerRunArgs(d.cfg, id, project).join('\n')}\n`);
        return 0;
      }
      case 'revoke': {
        const id = checkId('session', required(rest[0], 'credentials revoke', 'desktop ID'));
        const held = (await listIdentities(d.cfg)).find((i) => i.id === id);
        if (!held) throw new HelixError('NOT_FOUND', `no credentials for desktop ${id}`, 'helix credentials ls lists them');
        await revokeIdentity(d.cfg, id, true);
        if (held.project) await stopIdleBuilders(d, held.project);
        return 0;
      }
      case 'ls': {
        const all = await listIdentities(d.cfg);
        if (flags.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        else process.stdout.write(`${['ID\tPROJECT\tVALID UNTIL', ...all.map((i) => `${i.id}\t${i.project ?? '-'}\t${i.notAfter ?? '-'}`)].join('\n')}\n`);
        return 0;
      }
      default:
        return unknownSub('credentials', sub, ['issue', 'revoke', 'ls']);
    }
  },
};
