// /etc/environment and shell profile files are not INI: they are KEY=value lines read by pam_env and
// by sh. These pure functions merge our variables into such a file without disturbing anything else.
import { HelixError } from './errors.js';

export type EnvVars = Readonly<Record<string, string>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/;
const BARE_SAFE = /^[A-Za-z0-9_./:@%+,=-]*$/;

function checkVar(name: string, value: string): void {
  if (!NAME.test(name)) throw new HelixError('BAD_CONFIG', `invalid environment variable name ${JSON.stringify(name)}`);
  if (/[\n\r\0]/.test(value)) {
    throw new HelixError('BAD_CONFIG', `environment variable ${name} has a newline or NUL in its value`);
  }
}

/** A value as both pam_env and sh read it back unchanged. */
function environmentValue(name: string, value: string): string {
  if (BARE_SAFE.test(value)) return value;
  if (/["$`\\]/.test(value)) {
    throw new HelixError('BAD_CONFIG', `environment variable ${name} has a character /etc/environment cannot carry: ${value}`);
  }
  return `"${value}"`;
}

/**
 * Sets each variable in an /etc/environment-style file: the first existing line for a key is replaced
 * in place, later duplicates of it are dropped (earlier tools appended on every boot), missing keys are
 * appended. Every other line is kept as it was. Throws naming `path` if a line is not KEY=value.
 */
export function mergeEnvironmentFile(content: string, vars: EnvVars, path: string): string {
  const lines = content === '' ? [] : content.replace(/\n$/, '').split('\n');
  lines.forEach((line, i) => {
    if (line.includes('\0')) throw new HelixError('BAD_FILE', `${path}:${i + 1}: contains a NUL byte`);
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    if (!ASSIGNMENT.test(line)) {
      throw new HelixError('BAD_FILE', `${path}:${i + 1}: not a KEY=value line: ${t.slice(0, 60)}`, 'fix or remove that line');
    }
  });
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const key = ASSIGNMENT.exec(line)?.[1];
    if (key === undefined || !(key in vars)) {
      out.push(line);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const value = vars[key] as string;
    checkVar(key, value);
    out.push(`${key}=${environmentValue(key, value)}`);
  }
  for (const [key, value] of Object.entries(vars)) {
    if (seen.has(key)) continue;
    checkVar(key, value);
    out.push(`${key}=${environmentValue(key, value)}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Quotes a value for POSIX sh: single quotes, with embedded single quotes closed and escaped. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A profile script of our own that exports the variables, sourced by login and interactive shells. */
export function renderProfileScript(vars: EnvVars, header: string): string {
  const body = Object.entries(vars).map(([k, v]) => {
    checkVar(k, v);
    return `export ${k}=${shQuote(v)}`;
  });
  return `# ${header}\n${body.join('\n')}\n`;
}

const BLOCK_START = '# >>> helix >>>';
const BLOCK_END = '# <<< helix <<<';

/** Puts `body` between our markers in a file we share with others (bash.bashrc), once. */
export function withManagedBlock(content: string, body: string): string {
  const block = `${BLOCK_START}\n${body.replace(/\n$/, '')}\n${BLOCK_END}\n`;
  const start = content.indexOf(BLOCK_START);
  const end = content.indexOf(BLOCK_END);
  if (start >= 0 && end > start) return content.slice(0, start) + block + content.slice(end + BLOCK_END.length).replace(/^\n/, '');
  return `${content}${content === '' || content.endsWith('\n') ? '' : '\n'}${block}`;
}

/** systemd's DefaultEnvironment= line: each assignment double-quoted. */
export function renderSystemdDefaultEnvironment(vars: EnvVars, header: string): string {
  const parts = Object.entries(vars).map(([k, v]) => {
    checkVar(k, v);
    return `"${k}=${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `# ${header}\n[Manager]\nDefaultEnvironment=${parts.join(' ')}\n`;
}

/** KEY=value lines for environment.d (systemd user sessions). */
export function renderEnvironmentD(vars: EnvVars, header: string): string {
  return `# ${header}\n${Object.entries(vars).map(([k, v]) => `${k}=${environmentValue(k, v)}`).join('\n')}\n`;
}
