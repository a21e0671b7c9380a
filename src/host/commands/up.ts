import { gcIfDue } from '../registry-gc.js';
import { sandboxUp } from '../sandbox.js';
import type { Command } from './command.js';

export const up: Command = {
  usage: '  up                              start or reconcile the shared BuildKit and registry',
  async run(_call, d) {
    await sandboxUp(d);
    // The registry only grows otherwise: collect when the last collection is older than the interval.
    await gcIfDue(d);
    return 0;
  },
};
