import { readAllEvents, renderStats, summarize } from '../stats.js';
import type { Command } from './command.js';

export const stats: Command = {
  usage: "  stats [--json]                  the wrapper's build events, per session and for the sandbox",
  async run({ flags }, d) {
    const rows = summarize(await readAllEvents(d.cfg.stateDir));
    process.stdout.write(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : `${renderStats(rows)}\n`);
    return 0;
  },
};
