import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeployCli } from '../../scripts/deploy/cli.ts';
import { type LocalCoreHandle, startLocalCore } from '../support/local-core-harness.ts';
import { ROOT, rawFleet } from './helpers.ts';

const RELAY = 'com.matchdayalert.GpioRelay';
const THING = 'pi-test';

describe('deploy --local-core', () => {
  let core: LocalCoreHandle;
  let folder: string;

  beforeAll(async () => {
    const artifacts = join(ROOT, 'build', 'artifacts');
    if (!existsSync(join(artifacts, RELAY)))
      throw new Error(`${artifacts} is missing: the vitest global setup builds it`);
    folder = mkdtempSync(join(tmpdir(), 'deploy-lc-'));
    core = await startLocalCore({
      recipesDir: join(ROOT, 'recipes'),
      artifactsDir: artifacts,
      root: join(folder, 'root'),
      deployment: {
        things: [{ name: THING, thingGroups: ['matchday-devices'] }],
        components: {
          [RELAY]: { componentVersion: '1.0.0', configurationUpdate: { merge: '{"driver":"simulated"}' } },
        },
      },
    });
    await core.waitFor((s) => s.things[THING]?.components[RELAY]?.state === 'RUNNING', 20_000);
  });

  afterAll(async () => {
    await core?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('applies a configuration-only change of the fleet document to a running component without restarting it', async () => {
    const raw = rawFleet();
    raw.components[RELAY]!.configurationUpdate = {
      merge: JSON.stringify({ driver: 'simulated', leaseS: 240 }),
    };
    const file = join(folder, 'fleet.json');
    writeFileSync(file, JSON.stringify(raw));
    const before = (await core.status()).things[THING]?.components[RELAY];
    const out: string[] = [];
    const code = await runDeployCli(['apply', '--file', file, '--local-core', core.root, '--only', RELAY], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      env: {},
      cwd: ROOT,
      connect: () => {
        throw new Error('--local-core must not reach AWS');
      },
    });
    expect(code, out.join('\n')).toBe(0);
    const result = JSON.parse(out.join('\n')) as {
      status: string;
      things: Record<string, { reconfigured: string[]; restarted: string[] }>;
    };
    expect(result.status).toBe('SUCCEEDED');
    expect(result.things[THING]?.reconfigured).toContain(RELAY);
    expect(result.things[THING]?.restarted).not.toContain(RELAY);
    const after = (await core.status()).things[THING]?.components[RELAY];
    expect(after?.state).toBe('RUNNING');
    expect(after?.restarts).toBe(before?.restarts);
    const log = join(core.root, 'things', THING, 'logs', `${RELAY}.log`);
    await core.waitFor(() => readFileSync(log, 'utf8').includes('component.reconfigured'), 10_000);
  });
});
