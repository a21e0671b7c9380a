// The main job's report: the seed-style table (phase, before, after, speedup), the issue's targets as
// measured in the same run, and the digest checks. Pure.

export interface Measurements {
  sandboxUpMs: number;
  /** Plain docker in a session (its own local builder, no shared cache): what a session cost before. */
  plain: { coldMs: number; rerunMs: number; changeMs: number };
  coldMs: number;
  warmNewMs: number;
  warmRerun: { ms: number; skipChecksMs: number; skips: number };
  goldenBuildMs: number;
  /** An empty session's start to ready: the session's own dockerd starting, nothing to restore. */
  dockerdStartMs: number;
  fromGolden: { imagesPresentMs: number; startupMs: number };
  change: { ms: number; layerMs: number; layer: string };
  singleMs: number;
  /**
   * With the machine's CPU time for one such session (its container, the host's dockerd, BuildKit) and
   * the cores: the floor. `addedBytes`: what the sessions added on disk, against the golden's size.
   */
  concurrent: { ms: number; sessions: number; cpuMsPerSession: number; cores: number; addedBytes: number; goldenBytes: number };
  /** This disk's sequential write speed where data-roots live, measured in the same run. */
  diskWriteMBps: number;
  /** The large image's move into the warm session's daemon (no golden): its bytes, pull time and path. */
  /** `downloadMs`: of `ms`, until the last layer was downloaded; the daemon extracted after it. */
  warmMove?: { bytes: number; ms: number; path: string; downloadMs?: number };
}

export interface DigestCheck {
  what: string;
  ok: boolean;
  detail?: string;
}

export interface Row {
  phase: string;
  beforeMs?: number;
  afterMs: number;
  note?: string;
}

export interface Target {
  target: string;
  value: string;
  ok: boolean;
}

export function rowsOf(m: Measurements): Row[] {
  const cold = m.plain.coldMs;
  return [
    { phase: 'first session, cold shared cache', beforeMs: cold, afterMs: m.coldMs },
    { phase: 'new session, warm shared cache, no golden', beforeMs: cold, afterMs: m.warmNewMs },
    { phase: 'warm session, all images unchanged', beforeMs: m.plain.rerunMs, afterMs: m.warmRerun.ms },
    { phase: 'golden build', afterMs: m.goldenBuildMs, note: 'once per merge, off the sessions’ path' },
    { phase: 'new session from golden: images present', beforeMs: cold, afterMs: m.fromGolden.imagesPresentMs },
    { phase: 'new session from golden: startup done', beforeMs: cold, afterMs: m.fromGolden.imagesPresentMs + m.fromGolden.startupMs },
    { phase: 'one-line change, docker compose build', beforeMs: m.plain.changeMs, afterMs: m.change.ms },
    {
      phase: `${m.concurrent.sessions} sessions at once, from golden`,
      beforeMs: cold,
      afterMs: m.concurrent.ms,
      note: 'before: one cold session (a lower bound for several)',
    },
  ];
}

export function targetsOf(m: Measurements): Target[] {
  const ratio = (a: number, b: number) => a / b;
  const golden = ratio(m.fromGolden.imagesPresentMs, m.dockerdStartMs);
  const warmLimit = m.warmRerun.skipChecksMs + 1000;
  const changeLimit = m.change.layerMs + 2000;
  const conc = ratio(m.concurrent.ms, m.singleMs);
  const c = m.concurrent;
  // n sessions cannot finish before their CPU time spread over every core.
  const floor = (c.sessions * c.cpuMsPerSession) / c.cores;
  // The cores at which that floor would allow the target at all.
  const coresNeeded = Math.ceil((c.sessions * c.cpuMsPerSession) / (1.5 * m.singleMs));
  return [
    {
      target: 'session from golden to all images present ≤ 1.5x dockerd alone',
      value: `${s(m.fromGolden.imagesPresentMs)} vs ${s(m.dockerdStartMs)} = ${golden.toFixed(2)}x`,
      ok: golden <= 1.5,
    },
    {
      target: 'warm session, all unchanged ≤ sum of skip checks + 1 s',
      value: `${s(m.warmRerun.ms)} vs ${s(warmLimit)} (${m.warmRerun.skips} skips, ${s(m.warmRerun.skipChecksMs)})`,
      ok: m.warmRerun.ms <= warmLimit,
    },
    {
      target: 'one-line change ≤ rebuilt layer + 2 s',
      value: `${s(m.change.ms)} vs ${s(changeLimit)} (layer ${s(m.change.layerMs)})`,
      ok: m.change.ms <= changeLimit,
    },
    {
      target: 'first session, cold shared cache, no slower than plain docker',
      value: `${s(m.coldMs)} vs ${s(m.plain.coldMs)} = ${(m.plain.coldMs / m.coldMs).toFixed(2)}x`,
      ok: m.coldMs <= m.plain.coldMs,
    },
    ...(m.warmMove ? [warmMoveTarget(m.warmMove, m.diskWriteMBps)] : []),
    {
      target: `${c.sessions} sessions at once from golden ≤ 1.15x the CPU floor`,
      value: `${s(c.ms)} vs ${s(floor)} = ${(c.ms / floor).toFixed(2)}x`,
      ok: c.ms <= 1.15 * floor,
    },
    {
      target: `disk: ${c.sessions} sessions from one golden ≤ 1.2x the golden's bytes`,
      value: `golden ${mb(c.goldenBytes)} + ${mb(c.addedBytes)} added = ${((c.goldenBytes + c.addedBytes) / c.goldenBytes).toFixed(2)}x`,
      ok: c.goldenBytes + c.addedBytes <= 1.2 * c.goldenBytes,
    },
    {
      target: `${m.concurrent.sessions} concurrent sessions ≤ 1.5x one session`,
      value: `${s(c.ms)} vs ${s(m.singleMs)} = ${conc.toFixed(2)}x (CPU floor: ${c.sessions} × ${s(c.cpuMsPerSession)} of machine CPU on ${c.cores} cores = ${s(floor)}, ${(floor / m.singleMs).toFixed(2)}x; 1.5x needs ${coresNeeded}+ cores)`,
      ok: conc <= 1.5,
    },
  ];
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** The warm session's move of the large image, against half of one sequential write of its bytes. */
function warmMoveTarget(w: NonNullable<Measurements['warmMove']>, diskMBps: number): Target {
  const rate = w.bytes / 2 ** 20 / (w.ms / 1000);
  return {
    target: 'warm session, no golden: the large image moves at ≥ half the disk\'s sequential write speed',
    value: `${mb(w.bytes)} in ${s(w.ms)} by ${w.path} = ${rate.toFixed(0)} MB/s vs ${diskMBps.toFixed(0)} MB/s (${(rate / diskMBps).toFixed(2)}x)${w.downloadMs ? `; downloaded in ${s(w.downloadMs)} (${(w.bytes / 2 ** 20 / (w.downloadMs / 1000)).toFixed(0)} MB/s), the daemon extracting until the end` : ''}`,
    ok: rate >= diskMBps / 2,
  };
}

function s(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s` : `${(ms / 1000).toFixed(1)}s`;
}

export const formatDuration = s;

export function speedup(r: Row): string {
  return r.beforeMs === undefined ? '' : `${(r.beforeMs / r.afterMs).toFixed(r.beforeMs / r.afterMs >= 10 ? 0 : 1)}x`;
}

export function renderTable(rows: readonly Row[]): string {
  const head = ['phase', 'before', 'after', 'speedup'];
  const body = rows.map((r) => [r.phase, r.beforeMs === undefined ? '—' : s(r.beforeMs), s(r.afterMs), speedup(r) || '—']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

export function renderTargets(targets: readonly Target[], digests: readonly DigestCheck[]): string {
  return [
    ...targets.map((t) => `${t.ok ? 'ok  ' : 'MISS'} ${t.target}: ${t.value}`),
    ...digests.map((d) => `${d.ok ? 'ok  ' : 'FAIL'} digests: ${d.what}${d.detail ? ` (${d.detail})` : ''}`),
  ].join('\n');
}

/** Image ids by image name; compares a session's ids with the reference's, name by name. */
export function compareDigests(what: string, reference: Readonly<Record<string, string>>, actual: Readonly<Record<string, string>>): DigestCheck {
  const names = Object.keys(reference);
  const wrong = names.filter((n) => actual[n] !== reference[n]);
  if (!names.length) return { what, ok: false, detail: 'no reference images' };
  return { what, ok: wrong.length === 0, detail: wrong.length ? `differ: ${wrong.map((n) => `${n} ${actual[n]?.slice(7, 19) ?? 'missing'}`).join(', ')}` : `${names.length} images` };
}
