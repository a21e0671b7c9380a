// Compose prints its builds' progress on stdout and a failed build's error on stderr; buildx writes
// both to stderr. This splits a buildx stderr stream the way compose shows it: progress lines to
// stdout; from the closing error report on (buildx's source excerpt, then its "ERROR: " line), to
// stderr without the "ERROR: " prefix, as compose prints it. Pure: fed chunks, returns writes.

export type Stream = 'stdout' | 'stderr';
export type Write = readonly [Stream, string];

/** The first line of buildx's source excerpt: "Dockerfile:8" or "Dockerfile:6-8". */
const SOURCE_LINE = /^[^\s#].*:\d+(-\d+)?$/;
/** The rule under the excerpt's first line. */
const RULE = '-'.repeat(20);

export class ProgressSplitter {
  private partial = '';
  /** A line that may open the source excerpt, held until the next line tells. */
  private held: string | undefined;
  private report = false;

  push(chunk: string): Write[] {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() as string;
    const out: Write[] = [];
    for (const line of lines) this.line(line, out);
    return out;
  }

  /** The stream ended: whatever is left, with no newline added to a last line that had none. */
  end(): Write[] {
    const out: Write[] = [];
    if (this.held !== undefined) out.push(['stdout', `${this.held}\n`]);
    this.held = undefined;
    if (this.partial) out.push(this.report ? ['stderr', withoutPrefix(this.partial)] : ['stdout', this.partial]);
    this.partial = '';
    return out;
  }

  private line(line: string, out: Write[]): void {
    if (this.report) {
      out.push(['stderr', `${withoutPrefix(line)}\n`]);
      return;
    }
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && line === RULE) {
      this.report = true;
      out.push(['stderr', `${held}\n`], ['stderr', `${line}\n`]);
      return;
    }
    if (held !== undefined) out.push(['stdout', `${held}\n`]);
    if (line.startsWith('ERROR: ')) {
      this.report = true;
      out.push(['stderr', `${withoutPrefix(line)}\n`]);
    } else if (SOURCE_LINE.test(line)) this.held = line;
    else out.push(['stdout', `${line}\n`]);
  }
}

function withoutPrefix(line: string): string {
  return line.replace(/^ERROR: /, '');
}
