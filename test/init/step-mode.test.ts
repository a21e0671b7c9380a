import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastError, stepExit } from '../../src/init/step-mode.js';
import { removeStalePidFiles } from '../../src/init/steps/start-dockerd.js';

describe('lastError', () => {
  it("picks the boot's error line, else its last line", () => {
    expect(lastError('helix-init: restored\nhelix-init: daemon.json: BAD_FILE: /etc/docker/daemon.json is not valid JSON\n')).toMatch(/daemon.json is not valid JSON/);
    expect(lastError('one\ntwo\n')).toBe('two');
    expect(lastError('')).toBe('the boot ended without saying why');
  });
});

describe('stepExit', () => {
  it("ends the entrypoint with the golden script's code, and a code no shell exits with as 1", () => {
    expect(stepExit(0)).toBe('exit 0');
    expect(stepExit(3)).toBe('exit 3');
    expect(stepExit(-1)).toBe('exit 1');
    expect(stepExit(300)).toBe('exit 1');
  });
});

describe('removeStalePidFiles', () => {
  it('removes a pid file whose process is not the daemon, and keeps one whose process is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-pid-'));
    const stale = join(dir, 'docker.pid');
    const live = join(dir, 'node.pid');
    writeFileSync(stale, String(process.pid));
    writeFileSync(live, String(process.pid));
    const comm = readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim();
    expect(removeStalePidFiles([[stale, 'dockerd'], [live, comm], [join(dir, 'absent.pid'), 'x']])).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    rmSync(dir, { recursive: true });
  });
});
