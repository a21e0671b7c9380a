// The host may change a running desktop's credentials: `helix credentials revoke` empties the mounted
// directory, a reissue writes new ones into it. init looks at the mount every few seconds and, when
// it changed, copies the credentials again and registers the builder with what is there, so the
// wrapper's next build sees exactly what the container now holds (none: the local builder, with one
// warning; new ones: the shared builder again).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InitContext } from './context.js';
import { credentials } from './steps/credentials.js';
import { registerBuilder } from './steps/register-builder.js';

/** What the mount holds: each file's name, size and change time; '' when there is no mount. */
async function fingerprint(dir: string): Promise<string> {
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return '';
  const parts = await Promise.all(
    names.sort().map(async (n) => {
      const s = await stat(join(dir, n)).catch(() => undefined);
      return `${n}:${s?.size ?? -1}:${s?.ctimeMs ?? -1}`;
    }),
  );
  return `dir|${parts.join('|')}`;
}

/** Starts watching; the returned function stops it. The timer never keeps the process alive by itself. */
export function watchCredentials(ctx: InitContext, everyMs = 2000): () => void {
  let last: Promise<string> = fingerprint(ctx.paths.credentialsMount);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const before = await last;
      const now = await fingerprint(ctx.paths.credentialsMount);
      if (now === before) return;
      last = Promise.resolve(now);
      ctx.log.info(`credentials at ${ctx.paths.credentialsMount} changed; copying them and registering the builder again`);
      await credentials.run(ctx);
      await registerBuilder.run(ctx);
    })()
      .catch((err: unknown) => ctx.log.warn({ err }, `credentials changed, and taking them failed: ${(err as Error).message}`))
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
