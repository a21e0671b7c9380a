// Whole lines out of a stream read in chunks: a line split between chunks is held until its end comes,
// and a last line with no newline is given when the stream ends.

export interface LineSplitter {
  push(chunk: string): void;
  end(): void;
}

export function lineSplitter(onLine: (line: string) => void): LineSplitter {
  let partial = '';
  return {
    push(chunk) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() as string;
      for (const l of lines) onLine(l);
    },
    end() {
      if (partial) onLine(partial);
      partial = '';
    },
  };
}
