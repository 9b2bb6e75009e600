/**
 * `npm start`: the whole stack on a laptop. Writes the demo feed (a KAA Gent home game about forty minutes
 * ahead) into the Scraper's work folder, then runs local-core with local-core/deployments/laptop.json on
 * the artifacts `npm run build` made. The light is the simulated relay:
 * `<root>/things/matchday-laptop/work/com.matchdayalert.GpioRelay/simulated-relay.json`.
 *
 *   tsx scripts/start.ts [--root .local/core] [--compress <f>] [--real-site]
 *
 * --compress f   everything f times sooner: the demo game at 40/f minutes and the demo alert windows / f
 *                (the whole-demo test uses it to see the light switch within a minute)
 * --real-site    no demo feed: the Scraper reads the club site with its recipe's default sources
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoFeed } from './demo-feed.ts';
import { LOCAL_CORE_NODE_FLAGS } from './local-core-flags.ts';

const ROOT = resolve(import.meta.dirname, '..');
const THING = 'matchday-laptop';
const DEMO_MINUTES = 40;

interface Deployment {
  things: { name: string }[];
  components: Record<string, { configurationUpdate?: { merge?: string } }>;
}

interface Window {
  startBeforeS: number;
  endBeforeS: number;
}

/** The laptop deployment, with demo timings divided by `compress` or the demo feed left out. */
export function laptopDeployment(options: { compress: number; realSite: boolean }): Deployment {
  const deployment = JSON.parse(
    readFileSync(join(ROOT, 'local-core', 'deployments', 'laptop.json'), 'utf8'),
  ) as Deployment;
  const scraper = deployment.components['com.matchdayalert.Scraper'];
  if (options.realSite && scraper) scraper.configurationUpdate = { merge: '{}' };
  const scheduler = deployment.components['com.matchdayalert.Scheduler'];
  if (options.compress !== 1 && scheduler?.configurationUpdate?.merge) {
    const merge = JSON.parse(scheduler.configurationUpdate.merge) as { alertPolicy?: { windows: Window[] } };
    for (const window of merge.alertPolicy?.windows ?? []) {
      window.startBeforeS = Math.max(2, Math.round(window.startBeforeS / options.compress));
      window.endBeforeS = Math.max(1, Math.round(window.endBeforeS / options.compress));
    }
    scheduler.configurationUpdate.merge = JSON.stringify(merge);
  }
  return deployment;
}

/** Writes the demo feed where the Scraper's relative `file:demo-feed.ics` finds it; returns the kick-off. */
export function writeDemoFeed(root: string, compress: number, now = Date.now()): Date {
  const workDir = join(root, 'things', THING, 'work', 'com.matchdayalert.Scraper');
  mkdirSync(workDir, { recursive: true });
  const { text, kickoff } = demoFeed(now, DEMO_MINUTES / compress, 5 / compress);
  const target = join(workDir, 'demo-feed.ics');
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  return kickoff;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: join(ROOT, '.local', 'core') },
      compress: { type: 'string', default: '1' },
      'real-site': { type: 'boolean', default: false },
    },
  });
  const compress = Number(values.compress);
  if (!Number.isFinite(compress) || compress < 1 || compress > 600) {
    console.error(`Expected \`--compress\` to be a number from 1 to 600, got \`${values.compress}\``);
    process.exit(64);
  }
  const root = resolve(values.root);
  mkdirSync(root, { recursive: true });
  const realSite = values['real-site'];
  const deploymentFile = join(root, 'laptop-deployment.json');
  writeFileSync(deploymentFile, `${JSON.stringify(laptopDeployment({ compress, realSite }), null, 2)}\n`);
  if (!realSite) {
    const kickoff = writeDemoFeed(root, compress);
    console.log(JSON.stringify({ event: 'demo.feed.written', homeKickoff: kickoff.toISOString(), compress }));
  }
  console.log(
    JSON.stringify({
      event: 'demo.light',
      path: join(root, 'things', THING, 'work', 'com.matchdayalert.GpioRelay', 'simulated-relay.json'),
      status: `npx local-core status --root ${root}`,
    }),
  );

  // `npm run build` bundles local-core; without the bundle (tsx scripts/start.ts alone) run the sources.
  const bundle = join(ROOT, 'build', 'local-core', 'local-core.mjs');
  const entry = existsSync(bundle)
    ? [bundle]
    : ['--import', 'tsx', join(ROOT, 'local-core', 'src', 'cli.ts')];
  const child = spawn(
    process.execPath,
    [
      ...LOCAL_CORE_NODE_FLAGS,
      ...entry,
      'run',
      '--recipes',
      join(ROOT, 'recipes'),
      '--artifacts',
      join(ROOT, 'build', 'artifacts'),
      '--deployment',
      deploymentFile,
      '--root',
      root,
    ],
    { stdio: 'inherit', cwd: ROOT },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
