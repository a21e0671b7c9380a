// One `docker build` inside a session, timed, with BuildKit's step report and the wrapper's status line (for the tests).
import type { Engine } from '../../src/host/engine.js';
import { stepReport, type StepReport } from '../../src/harness/progress.js';
import { execInSession } from '../../src/host/session.js';

export interface SessionBuild {
  exitCode: number;
  ms: number;
  report: StepReport;
  /** The wrapper's status line ("helix: ... load skipped"), if it printed one. */
  status?: string;
  stderr: string;
}

export async function buildInSession(engine: Engine, session: string, dir: string, tag: string): Promise<SessionBuild> {
  const started = Date.now();
  const r = await execInSession(engine, session, `cd ${dir} && docker build --progress=plain -t ${tag} .`);
  const ms = Date.now() - started;
  const status = r.stderr.split('\n').find((l) => l.startsWith('helix: '));
  return { exitCode: r.exitCode, ms, report: stepReport(r.stderr), status, stderr: r.stderr };
}
