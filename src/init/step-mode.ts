// helix-init as one numbered step of an entrypoint the image already has: `17-start-dockerd.sh`,
// sourced as root under `set -e` before the entrypoint execs the desktop as its user. The boot runs in
// a detached helix-init of its own (under `tini -s` where the image has it, a subreaper, since there
// PID 1 is the desktop's own process and reaps nothing), which stays as dockerd's supervisor; this
// step waits for its ready marker, prints the environment as `export` lines for the sourcing shell to
// eval, and returns. A failed boot prints its one error line here and fails the step. In golden mode
// the step instead runs the golden build itself and prints `exit N` (main.ts).
import { spawn } from 'node:child_process';
import { constants, openSync, readFileSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderProfileScript } from '../lib/env-file.js';
import type { InitContext } from './context.js';
import { exportedVars } from './steps/env-exports.js';

export const PID_FILE = '/run/helix/init.pid';
const TINI = '/usr/bin/tini';

const exists = (p: string) => access(p, constants.F_OK).then(() => true, () => false);

/** The line a failed boot left last in its output, for the one line the step prints. Pure. */
export function lastError(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.filter((l) => /error|fail|cannot|invalid|malformed/i.test(l)).pop() ?? lines.pop() ?? 'the boot ended without saying why';
}

export async function runAsStep(ctx: Pick<InitContext, 'cfg' | 'settings' | 'paths'>, script: string): Promise<number> {
  const { cfg, settings, paths } = ctx;
  await rm(paths.readyMarker, { force: true });
  const outFile = `${cfg.stateDir}/log/init-step.out`;
  await mkdir(dirname(outFile), { recursive: true });
  const out = openSync(outFile, 'w');
  const boot = [process.execPath, script, '--'];
  const argv = (await exists(TINI)) ? [TINI, '-s', '--', ...boot] : boot;
  const child = spawn(argv[0] as string, argv.slice(1), { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  await mkdir(dirname(PID_FILE), { recursive: true });
  await writeFile(PID_FILE, `${child.pid}\n`);
  let ended = false;
  child.once('exit', () => (ended = true));
  const deadline = Date.now() + (settings.dockerdTimeoutS + 120) * 1000;
  while (!(await exists(paths.readyMarker))) {
    if (ended || Date.now() > deadline) {
      if (!ended) child.kill('SIGTERM');
      process.stderr.write(`helix-init: ${lastError(await readFile(outFile, 'utf8').catch(() => ''))}\n`);
      return 1;
    }
    await sleep(100);
  }
  process.stdout.write(renderProfileScript(exportedVars(cfg, settings), 'helix-init step: eval these in the entrypoint shell'));
  return 0;
}

/** What the step prints in golden mode for the entrypoint to eval: the container ends with the build's code. Pure. */
export function stepExit(code: number): string {
  return `exit ${Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1}`;
}

/** `helix-init stop`: the step's supervisor stops dockerd cleanly and exits; waits for that. */
export async function stopStep(timeoutMs = 60_000): Promise<number> {
  const pid = Number((await readFile(PID_FILE, 'utf8').catch(() => '')).trim());
  if (!pid) return 0;
  // A zombie is gone: in these images PID 1 reaps nothing, so the exited supervisor stays one.
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive() && Date.now() < deadline) await sleep(100);
  await rm(PID_FILE, { force: true });
  return alive() ? 1 : 0;
}
