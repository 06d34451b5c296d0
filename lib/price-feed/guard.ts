/**
 * ccxt.pro 4.5 re-subscribes after a ChecksumError from inside its own promise chain; when
 * the client is closed at that moment it sends on the closed socket and the resulting
 * rejection ("WebSocket is not open: readyState 3 (CLOSED)") is never handled, which kills
 * the process. This recognizes exactly that rejection so a scoped handler can swallow it.
 */
export function isCcxtClosedSocketRejection(reason: unknown): boolean {
  if (!(reason instanceof Error)) return false;
  return /^WebSocket is not open: readyState 3\b/.test(reason.message);
}

/**
 * Installs a process 'unhandledRejection' listener that logs and swallows the ccxt
 * closed-socket rejection only. Any other reason is rethrown when no other listener exists,
 * keeping Node's default (crash) behaviour. Returns the uninstall function.
 */
export function installClosedSocketGuard(log: (message: string) => void, proc: NodeJS.Process = process): () => void {
  const listener = (reason: unknown): void => {
    if (isCcxtClosedSocketRejection(reason)) {
      log(`ignored ccxt send on a closed websocket: ${(reason as Error).message}`);
      return;
    }
    if (proc.listenerCount('unhandledRejection') <= 1) throw reason;
  };
  proc.on('unhandledRejection', listener);
  return () => {
    proc.off('unhandledRejection', listener);
  };
}
