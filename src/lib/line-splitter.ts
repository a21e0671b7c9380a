// Whole lines out of a stream read in chunks: a line split between chunks is held until its end comes.
// A last line with no newline is not given (the streams read this way end every line).

export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() as string;
    for (const l of lines) onLine(l);
  };
}
