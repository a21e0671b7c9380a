// What compose itself prints of a build the wrapper did in its place: after a bake, one "Built" event
// per image, in the display compose would have chosen (plain lines, JSON lines, nothing when quiet or
// for `run`); compose's classic builds (2.26) print none. Its terminal UI cannot be drawn from
// outside, so there the wrapper's status lines stand alone. Pure.
import { flag, opt, type ComposeArgv } from '../read/compose-argv.js';

export type ComposeDisplay = 'tty' | 'plain' | 'json' | 'quiet';

type Env = Readonly<Record<string, string | undefined>>;

/** The progress the line asks compose for: `build --quiet`, else --progress, else COMPOSE_PROGRESS. */
function requested(c: ComposeArgv, env: Env): string | undefined {
  if (c.sub === 'build' && flag(c, 'quiet')) return 'quiet';
  return opt({ opts: c.globalOpts }, 'progress') ?? env.COMPOSE_PROGRESS;
}

/** The display compose picks: the progress asked for, else plain unless stdout is a terminal and ANSI is allowed. */
export function composeDisplay(c: ComposeArgv, env: Env, stdoutIsTTY: boolean): ComposeDisplay {
  const ansi = opt({ opts: c.globalOpts }, 'ansi') ?? env.COMPOSE_ANSI ?? 'auto';
  const progress = requested(c, env);
  switch (progress) {
    case 'quiet':
    case 'none':
      return 'quiet';
    case 'json':
    case 'plain':
    case 'tty':
      return progress;
    default:
      return ansi !== 'never' && stdoutIsTTY ? 'tty' : 'plain';
  }
}

/**
 * The progress mode the builds run with, as compose would run bake: its JSON display reads bake's
 * `rawjson` (buildx knows no `json`); undefined leaves buildx its own default.
 */
export function buildProgress(c: ComposeArgv, env: Env): string | undefined {
  const progress = requested(c, env);
  switch (progress) {
    case 'json':
      return 'rawjson';
    case 'none':
      return 'quiet';
    case 'quiet':
    case 'plain':
    case 'tty':
      return progress;
    default:
      return undefined;
  }
}

/** The lines compose writes to stderr once bake built the images; `run` writes none. */
export function builtLines(c: ComposeArgv, images: readonly string[], display: ComposeDisplay, bake: boolean): string {
  if (c.sub === 'run' || !bake) return '';
  if (display === 'plain') return images.map((i) => ` ${i}  Built\n`).join('');
  if (display === 'json') return images.map((i) => `${JSON.stringify({ id: i, status: 'Built' })}\n`).join('');
  return '';
}
