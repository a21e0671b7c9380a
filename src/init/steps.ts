// The boot steps, in order. A group's steps run at once: registering the builder needs no dockerd,
// so it overlaps dockerd's start.
import type { Step } from './context.js';
import { bootD } from './steps/boot-d.js';
import { credentials } from './steps/credentials.js';
import { daemonConfig } from './steps/daemon-config.js';
import { envExports } from './steps/env-exports.js';
import { goldenRestore } from './steps/golden-restore.js';
import { installWrapper } from './steps/install-wrapper.js';
import { registerBuilder } from './steps/register-builder.js';
import { startDockerd } from './steps/start-dockerd.js';

export const STEPS: ReadonlyArray<Step | readonly Step[]> = [goldenRestore, daemonConfig, credentials, [startDockerd, registerBuilder], envExports, installWrapper, bootD];
