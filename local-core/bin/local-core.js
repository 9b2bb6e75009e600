#!/usr/bin/env node
// Launcher for `npx local-core`: runs local-core/src/cli.ts through tsx in a child Node process,
// forwarding arguments, stdio, signals and the exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
// A 1 MB young generation keeps a long-running `local-core run` smaller; see scripts/start.ts.
const child = spawn(
  process.execPath,
  ['--max-semi-space-size=1', '--import', 'tsx', cli, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  if (signal !== null) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
