import { spawn } from 'node:child_process';
import { testbed } from './endpoints.ts';

/**
 * Runs the docker CLI against the test bed's dockerd with a private config dir (HOME and
 * DOCKER_CONFIG), feeding `stdin` (e.g. a password for `login --password-stdin`); resolves with the
 * exit code and everything printed.
 */
export function dockerCli(
  configDir: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      env: {
        PATH: process.env.PATH,
        HOME: configDir,
        DOCKER_CONFIG: configDir,
        DOCKER_HOST: testbed().dockerd.host,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.stdin.end(stdin ?? '');
  });
}
