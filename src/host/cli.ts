// helix: the host-side command line. One small handler per command, over dependencies made once; one
// top-level catch turns every failure into one line with its code and a non-zero exit. The entry point
// (src/helix.ts) adds the harness's commands to the host's.
import { parseArgs } from 'node:util';
import { HelixError, oneLine } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { OPTIONS, type Command, type Flags, type HostDeps } from './commands/command.js';
import { builders } from './commands/builders.js';
import { credentials } from './commands/credentials.js';
import { gc } from './commands/gc.js';
import { golden } from './commands/golden.js';
import { run } from './commands/run.js';
import { serve } from './commands/serve.js';
import { session } from './commands/session.js';
import { stats } from './commands/stats.js';
import { up } from './commands/up.js';
import { connectEngine } from './engine.js';
import { GoldenBuilder } from './golden-build.js';
import { DEFAULT_POLICY, GoldenStore } from './golden-store.js';
import { mountedGenerations } from './session.js';
import { loadHostConfig } from './host-config.js';

/** The host's own commands. */
export const HOST_COMMANDS: Record<string, Command> = { up, session, credentials, builders, stats, golden, run, serve, gc };

async function main(argv: string[], COMMANDS: Record<string, Command>): Promise<number> {
  const USAGE = `usage: helix <command>\n${Object.values(COMMANDS).map((c) => c.usage).join('\n')}`;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new HelixError('BAD_FLAG', `helix: ${(err as Error).message}`, 'see helix --help', { cause: err });
  }
  const { values, positionals } = parsed;
  const [name, sub, ...rest] = positionals;
  if (values.help || !name) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new HelixError('BAD_FLAG', `helix: unknown command ${JSON.stringify(name)}`, 'see helix --help');
  const cfg = loadHostConfig();
  const log = createLogger({ name: 'helix', file: `${cfg.stateDir}/log/host.log` });
  const base = { engine: connectEngine(), cfg, log };
  const store: GoldenStore = new GoldenStore(`${cfg.stateDir}/goldens`, DEFAULT_POLICY, (p) => mountedGenerations(base.engine, store.projectDir(p)));
  const d: HostDeps = { ...base, store, goldens: new GoldenBuilder(base, store) };
  return command.run({ sub, rest, flags: values as Flags }, d);
}

/** Runs `helix` with these commands, and exits with its code. */
export function runCli(commands: Record<string, Command>): void {
  main(process.argv.slice(2), commands).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`helix: error: ${oneLine(err)}\n`);
      process.exit(1);
    },
  );
}
