import { sandboxUp } from '../sandbox.js';
import type { Command } from './command.js';

export const up: Command = {
  usage: '  up                              start or reconcile the shared BuildKit and registry',
  async run(_call, d) {
    await sandboxUp(d);
    return 0;
  },
};
