let watching = false;
let gone = false;

/**
 * Whether the reader of stdout has gone away, as in `flightrec events <run> | head`. That ends
 * streaming output early and quietly (exit 0), like other Unix tools, instead of crashing on EPIPE.
 * The listener stays for the life of the process because the error arrives a tick after the write.
 */
export function stdoutReaderGone(): boolean {
  if (!watching) {
    watching = true;
    process.stdout.on('error', () => {
      gone = true;
    });
  }
  return gone || !process.stdout.writable;
}
