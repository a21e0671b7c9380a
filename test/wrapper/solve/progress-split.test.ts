import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressSplitter, type Write } from '../../../src/wrapper/solve/progress-split.js';

const failed = readFileSync(join(import.meta.dirname, '../../fixtures/progress-failed.txt'), 'utf8');

function split(text: string, chunk = text.length): { stdout: string; stderr: string } {
  const s = new ProgressSplitter();
  const writes: Write[] = [];
  for (let i = 0; i < text.length; i += chunk) writes.push(...s.push(text.slice(i, i + chunk)));
  writes.push(...s.end());
  const of = (stream: string) => writes.filter(([w]) => w === stream).map(([, t]) => t).join('');
  return { stdout: of('stdout'), stderr: of('stderr') };
}

describe('ProgressSplitter', () => {
  it('sends progress to stdout and the closing error report to stderr, as compose shows a failed build', () => {
    const r = split(failed);
    expect(r.stdout).toMatch(/^#0 building with/);
    expect(r.stdout).toContain('#11 ERROR: process "/bin/sh -c exit 3"');
    expect(r.stdout.trimEnd().endsWith('------')).toBe(true);
    expect(r.stderr).toMatch(/^Dockerfile:8\n-{20}\n/);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('failed to build: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3');
  });

  it('splits the same way whatever the chunks', () => {
    expect(split(failed, 7)).toEqual(split(failed));
  });

  it('keeps a successful build whole on stdout, a last line without newline too', () => {
    const ok = '#1 [internal] load build definition\n#1 DONE 0.0s\n\napp.js:12\n#2 DONE';
    expect(split(ok)).toEqual({ stdout: ok, stderr: '' });
  });

  it('takes an error with no source excerpt from its ERROR line on', () => {
    const text = '#1 DONE 0.0s\n\nERROR: failed to solve: no such file\n';
    expect(split(text)).toEqual({ stdout: '#1 DONE 0.0s\n\n', stderr: 'failed to solve: no such file\n' });
  });
});
