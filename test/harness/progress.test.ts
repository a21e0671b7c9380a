import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawStepSeconds, stepReport } from '../../src/harness/progress.js';

// Recorded from real `docker build --progress=plain` runs on the shared BuildKit (v0.34.2).
const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name), 'utf8');

describe('stepReport', () => {
  it('counts the build steps of a cold build and sees none cached', () => {
    const r = stepReport(fixture('progress-cold.txt'));
    expect(r.steps).toHaveLength(3);
    expect(r.cached).toEqual([]);
  });

  it('sees every step of a warm build cached, whatever order BuildKit reports them in', () => {
    const r = stepReport(fixture('progress-warm.txt'));
    expect(r.steps).toEqual(['COPY f.txt /f.txt', 'RUN echo fixture-981825456 > /nonce', 'RUN cat /nonce /f.txt > /out']);
    expect(r.cached).toEqual(r.steps);
  });

  it('reads multi-stage step headers', () => {
    const r = stepReport('#7 [build 2/3] RUN make\n#7 CACHED\n#8 [stage-1 1/2] FROM docker.io/library/x\n');
    expect(r).toEqual({ steps: ['RUN make'], cached: ['RUN make'] });
  });
});

describe('stepReport over several builds', () => {
  it('gives each CACHED line to the latest step with its number', () => {
    const r = stepReport('#9 [2/2] RUN apt-get install gcc\n#9 CACHED\n#9 [4/5] RUN gcc -o app main.c\n#9 DONE 0.3s\n');
    expect(r.cached).toEqual(['RUN apt-get install gcc']);
  });
});

describe('rawStepSeconds', () => {
  it('times steps by vertex digest, across interleaved builds, leaving out cached ones', () => {
    const lines = [
      JSON.stringify({ vertexes: [{ digest: 'sha256:a', name: '[4/5] RUN gcc -o app main.c', started: '2026-01-01T00:00:01.000Z' }] }),
      JSON.stringify({ vertexes: [{ digest: 'sha256:b', name: '[2/2] RUN apt-get install gcc', cached: true, started: '2026-01-01T00:00:01Z', completed: '2026-01-01T00:00:01Z' }] }),
      '{"torn',
      JSON.stringify({ vertexes: [{ digest: 'sha256:a', name: '[4/5] RUN gcc -o app main.c', started: '2026-01-01T00:00:01.000Z', completed: '2026-01-01T00:00:01.450Z' }] }),
    ];
    expect(rawStepSeconds(lines.join('\n'))).toEqual({ 'RUN gcc -o app main.c': 0.45 });
  });
});
