// Shared by the tests that start processes.
import { execFile } from 'node:child_process';

export interface Result { code: number; stdout: string; stderr: string }

/** Runs `cmd args` and resolves with its exit code and output (never rejects; killed after 30 s). */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<Result> {
  return new Promise(resolve => {
    const child = execFile(cmd, args, { cwd, env, timeout: 30_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input); else child.stdin?.end();
  });
}

/** Runs jobs with at most `limit` at once. */
export async function pool<T>(items: T[], limit: number, job: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await job(items[next++]!);
  }));
}
