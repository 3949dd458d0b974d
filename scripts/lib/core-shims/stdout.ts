/**
 * What `@actions/core` sees as `process.stdout` in the bundle. The first touch of
 * `process.stdout` builds a stream, and on a pipe (as the runner gives every step) that loads
 * Node's net and stream modules: a sixth of `node -e 0`, before an action has printed its first
 * line. Core only ever calls `write`, so until something else in the process has created
 * `process.stdout`, core's lines go straight to file descriptor 1, synchronously as the stream
 * would on Linux and macOS. Once the stream exists (`console.log`, code that wraps
 * `process.stdout.write` to watch a library's output), core writes through it, so every line
 * keeps its order and every wrapper sees core's lines.
 */
let streamCreated = false;
const descriptor = Object.getOwnPropertyDescriptor(process, 'stdout');
const getStdout = descriptor?.get;
if (descriptor?.configurable && getStdout) {
  Object.defineProperty(process, 'stdout', {
    ...descriptor,
    get() {
      streamCreated = true;
      return getStdout.call(process) as NodeJS.WriteStream;
    },
  });
} else {
  streamCreated = true;
}

/** Writes all of `text` to file descriptor 1, waiting out a full non-blocking pipe. */
function writeFd1(text: string): void {
  const { writeSync } = process.getBuiltinModule('node:fs');
  const data = Buffer.from(text);
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(1, data, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/** The real stream (read by name: the build rewrites `process.stdout` in core's code to this). */
const stdoutStream = (): NodeJS.WriteStream => Reflect.get(process, 'stdout') as NodeJS.WriteStream;

export const coreStdout = {
  write(text: string): boolean {
    if (streamCreated || process.platform === 'win32') return stdoutStream().write(text);
    writeFd1(text);
    return true;
  },
};
