// The images a Dockerfile reads, as the Dockerfile frontend resolves them: every FROM (with the global
// ARGs' defaults and the build's --build-arg values substituted), COPY --from and RUN --mount from= of
// an image; not stage names, `scratch` or stage indexes. Pure.
import { familiarString, parseReference } from '../../lib/reference.js';

/** Joins continuation lines (the escape character at a line's end) and drops comments. */
function instructions(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const escape = /^#\s*escape\s*=\s*`/i.test(lines[0] ?? '') ? '`' : '\\';
  const out: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (current === '' && (line.startsWith('#') || line === '')) continue;
    if (line.endsWith(escape)) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(current + line);
    current = '';
  }
  if (current) out.push(current);
  return out;
}

/** Substitutes $X, ${X}, ${X:-default} and ${X-default} as the frontend does for FROM. */
export function substitute(word: string, vars: ReadonlyMap<string, string>): string {
  return word.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced: string | undefined, dflt: string | undefined, bare: string | undefined) => {
    const v = vars.get((braced ?? bare) as string);
    return v !== undefined && v !== '' ? v : (dflt ?? v ?? '');
  });
}

/**
 * @param buildArgs the build's --build-arg values (NAME=value); they override the global ARGs' defaults
 */
export function imageRefs(text: string, buildArgs: ReadonlyMap<string, string> = new Map()): string[] {
  const vars = new Map<string, string>();
  const stages = new Set<string>();
  const refs: string[] = [];
  let seenFrom = false;
  const add = (ref: string) => {
    const r = ref.trim();
    if (!r || r.includes('$') || r.toLowerCase() === 'scratch' || /^\d+$/.test(r) || stages.has(r.toLowerCase()) || refs.includes(r)) return;
    refs.push(r);
  };
  for (const line of instructions(text)) {
    const [word = '', ...rest] = line.split(/\s+/);
    const cmd = word.toUpperCase();
    if (cmd === 'ARG' && !seenFrom) {
      // Global ARGs: only they can be used in FROM lines.
      for (const decl of rest) {
        const eq = decl.indexOf('=');
        const name = eq < 0 ? decl : decl.slice(0, eq);
        const dflt = eq < 0 ? undefined : decl.slice(eq + 1).replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
        const value = buildArgs.get(name) ?? dflt;
        if (value !== undefined) vars.set(name, substitute(value, vars));
      }
    } else if (cmd === 'FROM') {
      seenFrom = true;
      const args = rest.filter((a) => !a.startsWith('--'));
      const image = substitute(args[0] ?? '', vars);
      if (!stages.has(image.toLowerCase())) add(image);
      if ((args[1] ?? '').toUpperCase() === 'AS' && args[2]) stages.add(args[2].toLowerCase());
    } else if (cmd === 'COPY' || cmd === 'ADD' || cmd === 'RUN') {
      for (const m of line.matchAll(/(?:--|,)from=([^\s,]+)/gi)) add(m[1] as string);
    }
  }
  return refs;
}

/** The name the frontend looks a named context up by: the familiar reference without `:latest`. */
export function contextName(ref: string): string {
  const r = parseReference(ref);
  return r ? familiarString(r).replace(/:latest$/, '') : ref;
}
