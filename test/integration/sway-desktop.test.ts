// Against the real stack: helix/sway-helix is a desktop. It starts a headless sway session as the
// desktop user (software rendering, no GPU) with a terminal; a screenshot shows the terminal's window,
// and the toolkit works there as in the ubuntu image. The screenshot is kept in .helix/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { deps, session, sh } from './helpers.js';

/** A command as the desktop user, in the sway session's environment. */
const inSway = (id: string, cmd: string) =>
  sh(
    id,
    `su retro -s /bin/sh -c 'export XDG_RUNTIME_DIR=/run/user/1000; ` +
      `export SWAYSOCK=$(ls $XDG_RUNTIME_DIR/sway-ipc.*.sock 2>/dev/null | head -1); ` +
      `export WAYLAND_DISPLAY=$(cd $XDG_RUNTIME_DIR && ls -d wayland-* 2>/dev/null | grep -v lock | head -1); ${cmd}'`,
  );

interface Node {
  app_id?: string | null;
  visible?: boolean;
  rect: { x: number; y: number; width: number; height: number };
  nodes?: Node[];
}

const windows = (n: Node): Node[] => [...(n.app_id ? [n] : []), ...(n.nodes ?? []).flatMap(windows)];

/** A binary PPM (P6) → width, height and RGB bytes. Pure. */
function readPpm(buf: Buffer): { width: number; height: number; rgb: Buffer } {
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a binary PPM');
  return { width: Number(header[1]), height: Number(header[2]), rgb: buf.subarray(header[0].length) };
}

let id = '';
beforeAll(async () => {
  await sandboxUp(deps);
  id = await session('sway', { image: 'helix/sway-helix:dev' });
}, 300_000);

describe('the sway desktop', () => {
  it('runs a headless sway session as the desktop user, and a screenshot shows the terminal window', async () => {
    let foot: Node | undefined;
    for (let i = 0; i < 120 && !foot; i++) {
      const tree = await inSway(id, 'swaymsg -t get_tree');
      if (tree.code === 0) foot = windows(JSON.parse(tree.out) as Node).find((w) => w.app_id === 'foot' && w.visible);
      if (!foot) await sleep(250);
    }
    expect(foot, 'a visible foot window in sway').toBeDefined();
    expect((await sh(id, 'ps -o user= -C sway')).out.trim()).toBe('retro');

    const shot = await inSway(id, 'grim -t ppm - | base64 -w0');
    expect(shot.code, shot.err).toBe(0);
    const { width, height, rgb } = readPpm(Buffer.from(shot.out.trim(), 'base64'));
    expect([width, height]).toEqual([1280, 720]);
    // Inside the terminal's window: one colour dominates (its background, not the desktop's), and
    // other pixels are drawn on it (the shell's prompt).
    const r = (foot as Node).rect;
    const counts = new Map<number, number>();
    for (let y = r.y + 2; y < r.y + r.height - 2; y++) {
      for (let x = r.x + 2; x < r.x + r.width - 2; x++) {
        const o = (y * width + x) * 3;
        const c = ((rgb[o] as number) << 16) | ((rgb[o + 1] as number) << 8) | (rgb[o + 2] as number);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
    }
    const [dominant, n] = [...counts].sort((a, b) => b[1] - a[1])[0] as [number, number];
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(dominant).not.toBe(0x1d3557);
    expect(n / total).toBeGreaterThan(0.8);
    expect(total - n).toBeGreaterThan(20);

    const png = await inSway(id, 'grim - | base64 -w0');
    mkdirSync('.helix', { recursive: true });
    writeFileSync('.helix/sway-desktop.png', Buffer.from(png.out.trim(), 'base64'));
  });

  it('builds through the shared builder from the desktop, as the ubuntu image does', async () => {
    const r = await sh(id, "su - retro -c 'mkdir -p /tmp/s && cd /tmp/s && printf \"FROM busybox:stable\\nRUN echo sway > /s\\n\" > Dockerfile && docker build -t sway/app:1 .'");
    expect(r.code, r.err).toBe(0);
    expect(r.status).toMatch(/^helix: sway\/app:1 /);
  });
});
