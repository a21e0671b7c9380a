import { describe, expect, it } from 'vitest';
import { parseComposeArgv, type ComposeArgv } from '../../../src/wrapper/read/compose-argv.js';
import { buildProgress, builtLines, composeDisplay } from '../../../src/wrapper/report/compose-display.js';

const line = (...args: string[]) => parseComposeArgv(args) as ComposeArgv;

describe('composeDisplay', () => {
  it('picks the display compose picks', () => {
    expect(composeDisplay(line('build'), {}, false)).toBe('plain');
    expect(composeDisplay(line('build'), {}, true)).toBe('tty');
    expect(composeDisplay(line('--ansi', 'never', 'build'), {}, true)).toBe('plain');
    expect(composeDisplay(line('build'), { COMPOSE_ANSI: 'never' }, true)).toBe('plain');
    expect(composeDisplay(line('--progress', 'json', 'up', '--build'), {}, true)).toBe('json');
    expect(composeDisplay(line('build'), { COMPOSE_PROGRESS: 'quiet' }, false)).toBe('quiet');
    expect(composeDisplay(line('--progress=plain', 'build'), { COMPOSE_PROGRESS: 'json' }, true)).toBe('plain');
    expect(composeDisplay(line('build', '-q'), {}, false)).toBe('quiet');
  });
});

describe('builtLines', () => {
  it('writes one Built event per image, as compose does after a build, and none for run', () => {
    expect(builtLines(line('build'), ['app-web', 'named/app:3'], 'plain', true)).toBe(' app-web  Built\n named/app:3  Built\n');
    expect(builtLines(line('up', '--build'), ['app-web'], 'json', true)).toBe('{"id":"app-web","status":"Built"}\n');
    expect(builtLines(line('build'), ['app-web'], 'quiet', true)).toBe('');
    expect(builtLines(line('build'), ['app-web'], 'tty', true)).toBe('');
    expect(builtLines(line('run', '--build', 'web'), ['app-web'], 'plain', true)).toBe('');
    // Classic builds (compose 2.26) print none.
    expect(builtLines(line('build'), ['app-web'], 'plain', false)).toBe('');
  });
});

describe('buildProgress', () => {
  it("runs the builds with the progress compose would give bake", () => {
    expect(buildProgress(line('--progress', 'json', 'build'), {})).toBe('rawjson');
    expect(buildProgress(line('build'), { COMPOSE_PROGRESS: 'json' })).toBe('rawjson');
    expect(buildProgress(line('--progress=plain', 'up', '--build'), {})).toBe('plain');
    expect(buildProgress(line('build', '--quiet'), {})).toBe('quiet');
    expect(buildProgress(line('--progress', 'none', 'build'), {})).toBe('quiet');
    expect(buildProgress(line('build'), {})).toBeUndefined();
    expect(buildProgress(line('--progress', 'auto', 'build'), {})).toBeUndefined();
  });
});
