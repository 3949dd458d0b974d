/**
 * What `@actions/core`'s job-summary module sees as `fs`. It takes `access`, `appendFile` and
 * `writeFile` out of `fs.promises` as it loads, and the first read of `fs.promises` loads Node's
 * promise file API (file handles, readline, watchers: a dozen internal modules) on every action's
 * start, whether it writes a summary or not. These stand-ins reach `fs.promises` on first use.
 */
import { constants } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';

const fsPromises = (): typeof FsPromises => process.getBuiltinModule('node:fs').promises;

export { constants };

export const promises = {
  access: (...args: Parameters<typeof FsPromises.access>) => fsPromises().access(...args),
  appendFile: (...args: Parameters<typeof FsPromises.appendFile>) => fsPromises().appendFile(...args),
  writeFile: (...args: Parameters<typeof FsPromises.writeFile>) => fsPromises().writeFile(...args),
};
