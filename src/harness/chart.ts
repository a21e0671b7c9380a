// The main job's chart: one pair of horizontal bars per phase (before, after) on a log time axis, so
// minutes and fractions of a second read on one picture. Plain SVG, no dependencies. Pure.
import { formatDuration, speedup, type Row } from './main-report.js';

const W = 960;
const LABEL = 330;
const RIGHT = 90;
const BAR = 14;
const GROUP = 44;
const TOP = 64;
/** Round durations for the axis: 100 ms, 1 s, 10 s, 1 min, 10 min, 1 h. */
const TICKS = [100, 1000, 10_000, 60_000, 600_000, 3_600_000];

function esc(t: string): string {
  return t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderChart(rows: readonly Row[], title: string, subtitle: string): string {
  const values = rows.flatMap((r) => [r.afterMs, ...(r.beforeMs === undefined ? [] : [r.beforeMs])]);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(50, Math.min(...values)))));
  const hi = Math.max(...values) * 1.6;
  const plotW = W - LABEL - RIGHT;
  const x = (ms: number) => LABEL + (Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * plotW;
  const height = TOP + rows.length * GROUP + 56;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="18" font-weight="bold">${esc(title)}</text>`,
    `<text x="16" y="46" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (const t of TICKS.filter((v) => v >= lo && v <= hi)) {
    const gx = x(t).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${height - 40}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${height - 24}" text-anchor="middle" fill="#555">${formatDuration(t)}</text>`);
  }
  rows.forEach((r, i) => {
    const y = TOP + i * GROUP;
    out.push(`<text x="${LABEL - 10}" y="${y + BAR + 4}" text-anchor="end">${esc(r.phase)}</text>`);
    if (r.beforeMs !== undefined) {
      out.push(`<rect x="${LABEL}" y="${y}" width="${(x(r.beforeMs) - LABEL).toFixed(1)}" height="${BAR}" fill="#b0b0b0"><title>before ${formatDuration(r.beforeMs)}</title></rect>`);
      out.push(`<text x="${(x(r.beforeMs) + 4).toFixed(1)}" y="${y + 11}" fill="#555" font-size="11">${formatDuration(r.beforeMs)}</text>`);
    }
    const ay = y + BAR + 2;
    out.push(`<rect x="${LABEL}" y="${ay}" width="${Math.max(1, x(r.afterMs) - LABEL).toFixed(1)}" height="${BAR}" fill="#2f7ed8"><title>after ${formatDuration(r.afterMs)}</title></rect>`);
    const sp = speedup(r);
    out.push(`<text x="${(x(r.afterMs) + 4).toFixed(1)}" y="${ay + 11}" font-size="11" font-weight="bold">${formatDuration(r.afterMs)}${sp ? ` (${sp})` : ''}</text>`);
  });
  const ly = height - 10;
  out.push(`<rect x="${LABEL}" y="${ly - 10}" width="12" height="10" fill="#b0b0b0"/><text x="${LABEL + 16}" y="${ly}" font-size="11">before: plain docker in a session</text>`);
  out.push(`<rect x="${LABEL + 230}" y="${ly - 10}" width="12" height="10" fill="#2f7ed8"/><text x="${LABEL + 246}" y="${ly}" font-size="11">after: with the toolkit (log scale)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
