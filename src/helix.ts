// The `helix` command (dist/helix.mjs): the host side's commands, and the harness's (the main job and
// the benches), which drive the host side and so are registered here, outside it.
import { bench, demo } from './harness/commands.js';
import { HOST_COMMANDS, runCli } from './host/cli.js';

runCli({ ...HOST_COMMANDS, demo, bench });
