/** Wall-clock ms since the epoch with a sub-millisecond fraction, comparable across the processes of one machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();
