/**
 * Ends a test process that had native media (node-datachannel tracks, client or server side) once
 * its runner has reported. node-datachannel releases a media track's callbacks only when the track's
 * object is garbage-collected, so an idle process may never exit by itself; and its cleanup() also
 * visits track objects already collected (their destructor does not unregister them): it aborted
 * the node-media test process in 4 of 10 runs. The timer is unref'd, so a process that would exit
 * anyway is not held; process.exit() keeps the exit code the runner set.
 */
export function exitAfterReport(): void {
  setTimeout(() => process.exit(), 500).unref();
}
