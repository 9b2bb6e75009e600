import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MatchdayStack, startMatchdayStack } from './matchday-stack.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

let stack: MatchdayStack;
beforeAll(async () => {
  stack = await startMatchdayStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** A custom event whose `final` alert (4 h → 3 h before the start) is active now. */
function eventActiveNow(title: string) {
  return { title, start: iso(Date.now() + 3.5 * HOUR) };
}

async function pending(): Promise<Record<string, unknown>> {
  const desired = (await stack.cloud())?.state.desired ?? {};
  const flat: Record<string, unknown> = {};
  for (const [section, entries] of Object.entries(desired)) {
    for (const [key, value] of Object.entries((entries ?? {}) as Record<string, unknown>))
      flat[`${section}/${key}`] = value;
  }
  return flat;
}

async function reported(): Promise<Record<string, unknown>> {
  return (await stack.cloud())?.state.reported ?? {};
}

describe('ShadowSync through local-core and the IoT data-plane API', () => {
  it('switches the light with a snooze written through the data-plane API and reports it', async () => {
    await stack.update({ state: { desired: { events: { 'e2e-snooze': eventActiveNow('Concert') } } } });
    await stack.waitFor(
      () => stack.relaySets().some((s) => s.message.on && s.message.alertId === 'e2e-snooze:final'),
      20_000,
      'light on for the new event',
    );
    const snooze = { snoozedUntil: iso(Date.now() + 2 * HOUR) };
    await stack.update({ state: { desired: { alerts: { 'e2e-snooze:final': snooze } } } });
    await stack.waitFor(
      () => stack.relaySets().at(-1)?.message.on === false,
      20_000,
      'light off after the snooze',
    );
    await stack.waitFor(
      async () => JSON.stringify((await reported()).alerts ?? {}).includes('e2e-snooze:final'),
      20_000,
      'snooze in reported',
    );
    expect(((await reported()).alerts as Record<string, unknown>)['e2e-snooze:final']).toEqual(snooze);
    expect(((await reported()).events as Record<string, unknown>)['e2e-snooze']).toMatchObject({
      title: 'Concert',
    });
    expect(await pending()).toEqual({});
  });
});
