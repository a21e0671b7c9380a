// helix: the host-side command line. One top-level catch turns every failure into one line and a
// non-zero exit.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HelixError, oneLine } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { connectEngine } from './engine.js';
import { loadHostConfig } from './host-config.js';
import { renderTable, runMainJob } from './main-job.js';
import { sandboxUp, type SandboxDeps } from './sandbox.js';
import { execInSession, removeSession, startSession } from './session.js';

const USAGE = `usage: helix <command>
  up                              start or reconcile the shared BuildKit and registry
  session start ID [--bind H:C]   start a desktop session
  session exec ID SCRIPT          run SCRIPT in the session's login shell
  session rm ID                   stop and remove a session and its data-root
  demo [--sample DIR]             the main job: cold build, then the same build in a new session`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { bind: { type: 'string', multiple: true }, sample: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [cmd, sub, ...rest] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const cfg = loadHostConfig();
  const log = createLogger({ name: 'helix', file: `${cfg.stateDir}/log/host.log` });
  const d: SandboxDeps = { engine: connectEngine(), cfg, log };
  switch (cmd) {
    case 'up':
      await sandboxUp(d);
      return 0;
    case 'demo': {
      const sampleDir = resolve(values.sample ?? 'samples/basic');
      const resultFile = resolve('.helix/main-job.json');
      const rows = await runMainJob(d, { sampleDir, resultFile });
      const [cold, warm] = rows;
      process.stdout.write(`\n${renderTable(rows)}\n`);
      if (cold && warm) process.stdout.write(`\ncold -> warm in a new session: ${(cold.ms / warm.ms).toFixed(1)}x faster\n`);
      process.stdout.write(`results: ${resultFile}\n`);
      return 0;
    }
    case 'session': {
      const id = rest[0];
      if (!id) throw new HelixError('BAD_FLAG', `helix session ${sub ?? ''}: missing session ID`);
      if (sub === 'start') await startSession(d.engine, cfg, { id, binds: values.bind });
      else if (sub === 'rm') await removeSession(d.engine, cfg, id);
      else if (sub === 'exec') {
        const r = await execInSession(d.engine, id, rest.slice(1).join(' '), (s) => process.stderr.write(s));
        process.stdout.write(r.stdout);
        return r.exitCode;
      } else throw new HelixError('BAD_FLAG', `helix session: unknown subcommand ${JSON.stringify(sub)}`, 'use start, exec or rm');
      return 0;
    }
    default:
      throw new HelixError('BAD_FLAG', `helix: unknown command ${JSON.stringify(cmd)}`, 'see helix --help');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`helix: error: ${oneLine(err)}\n`);
    process.exit(1);
  },
);
