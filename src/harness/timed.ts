// How long an awaited step took, in milliseconds: the benches' one clock.
export async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}
