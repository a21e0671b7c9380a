import { describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../src/init/dockerd.js';
import { loadInitSettings } from '../../src/init/settings.js';

describe('init settings', () => {
  it('reads golden and data-root settings from the environment', () => {
    expect(loadInitSettings({ HELIX_GOLDEN_DIR: '/g/docker', HELIX_DATA_ROOT: '/d/docker', HELIX_GOLDEN_BUILD: 'TRUE' })).toEqual({
      dataRoot: '/d/docker',
      goldenDir: '/g/docker',
      goldenId: '/g/docker',
      goldenMode: true,
      startupScript: '/opt/helix/startup.sh',
      bootDir: '/etc/helix/boot.d',
      dockerdTimeoutS: 60,
    });
    expect(loadInitSettings({ HELIX_GOLDEN_BUILD: 'no' }).goldenMode).toBe(false);
    expect(loadInitSettings({ HELIX_READY_FILE: '/var/lib/helix-data/ready' }).readyFile).toBe('/var/lib/helix-data/ready');
  });

  it('restarts a dying dockerd with growing, bounded delays', () => {
    expect([1, 2, 3, 4, 10].map(restartDelayMs)).toEqual([1000, 2000, 4000, 8000, 30_000]);
  });
});
