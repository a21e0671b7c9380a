import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureSelfSigned } from '../../src/host/pki.js';
import { loadConfig } from '../../src/lib/config.js';
import { credentialsExpiredAt } from '../../src/wrapper/reach.js';

describe('credentialsExpiredAt', () => {
  it("tells when the container's client certificate expired, and nothing while it is valid or absent", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helix-creds-'));
    const cfg = loadConfig({ HELIX_CREDENTIALS_DIR: dir });
    expect(credentialsExpiredAt(cfg)).toBeUndefined();
    const pair = await ensureSelfSigned(dir, 'made', 'session-x', false);
    copyFileSync(pair.cert, join(dir, 'client.pem'));
    expect(credentialsExpiredAt(cfg)).toBeUndefined();
    const later = Date.now() + 20 * 365 * 86_400_000;
    expect(credentialsExpiredAt(cfg, later)).toMatch(/^\d{4}-\d\d-\d\dT/);
    rmSync(dir, { recursive: true, force: true });
  });
});
