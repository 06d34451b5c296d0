/** Calls `fn` now and every `ms` until the returned stop is called (one call at a time). */
export function poll(fn: () => Promise<unknown> | unknown, ms: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      await fn();
    } catch {
      /* shown by the page; the next round tries again */
    }
    if (!stopped) timer = setTimeout(run, ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
