// A project's golden-build settings: ${stateDir}/projects/<project>.json. Strict: an unknown key or a
// wrong type is one line naming the file and the key, never a silent default.
import { join } from 'node:path';
import { readIfExists } from '../lib/atomic-write.js';
import { checkId } from './ids.js';
import { HelixError } from '../lib/errors.js';

export interface ProjectConfig {
  /** Host path of the project's startup script, run headless in golden mode. */
  startupScript: string;
  /** Extra bind mounts for the golden session (the project's checkout, say), host:container[:ro]. */
  binds: string[];
  /** Whole golden build, from session start to exit; past it the session is stopped and nothing promoted. */
  timeoutMinutes: number;
  /** The desktop image the project's sessions and golden builds run (default: the host's HELIX_DESKTOP_IMAGE). */
  image?: string;
}

const KEYS: Record<keyof ProjectConfig, 'string' | 'string[]' | 'number'> = {
  startupScript: 'string',
  binds: 'string[]',
  timeoutMinutes: 'number',
  image: 'string',
};

export function parseProjectConfig(text: string, file: string): ProjectConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HelixError('BAD_CONFIG', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new HelixError('BAD_CONFIG', `${file} must hold a JSON object`);
  const obj = raw as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    const kind = KEYS[k as keyof ProjectConfig];
    if (!kind) throw new HelixError('BAD_CONFIG', `${file}: unknown key "${k}"`, `known keys: ${Object.keys(KEYS).join(', ')}`);
    const ok = kind === 'string[]' ? Array.isArray(v) && v.every((x) => typeof x === 'string') : typeof v === kind;
    if (!ok) throw new HelixError('BAD_CONFIG', `${file}: "${k}" must be a ${kind === 'string[]' ? 'list of strings' : kind}`);
  }
  if (typeof obj.startupScript !== 'string') throw new HelixError('BAD_CONFIG', `${file}: "startupScript" is required`);
  const timeoutMinutes = (obj.timeoutMinutes as number | undefined) ?? 360;
  if (!(timeoutMinutes > 0)) throw new HelixError('BAD_CONFIG', `${file}: "timeoutMinutes" must be positive`);
  const image = obj.image as string | undefined;
  if (image !== undefined && !/^[^\s]+$/.test(image)) throw new HelixError('BAD_CONFIG', `${file}: "image" must be an image reference`);
  return { startupScript: obj.startupScript, binds: (obj.binds as string[] | undefined) ?? [], timeoutMinutes, ...(image !== undefined ? { image } : {}) };
}

export async function loadProjectConfig(stateDir: string, project: string): Promise<ProjectConfig> {
  const file = join(stateDir, 'projects', `${checkId('project', project)}.json`);
  const text = await readIfExists(file);
  if (text === undefined) throw new HelixError('NOT_FOUND', `unknown project ${project}: no ${file}`, 'write its startupScript there first');
  return parseProjectConfig(text, file);
}
