/** A channel as a team: what `/gpu team` reads, where a request made in the channel goes, which project a record's calls go to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTeamSet, isProjectId, parseTeamCommand, placeInTeam, projectOf, projectsOf, teamTag, type Team } from '../../src/domain/team.js';
import { parseGpuCommand } from '../../src/domain/gpu-command.js';
import { buildCostReport, NO_TEAM, periodOf } from '../../src/domain/cost-report.js';
import { bundledPrices } from '../../src/domain/prices.js';
import { makeBox } from '../support/boxes.js';

const REGIONS = new Set(['us-central1', 'europe-west4']);
const TEAM: Team = { channel: 'CVISION', project: 'vision-lab', region: 'europe-west4', budgetUsd: 500, updatedBy: 'UADMIN', updatedAt: 1 };

test('team set reads each part, checked: project id syntax, a known region, a positive amount', () => {
  assert.deepEqual(parseTeamCommand('team', ['set', '--project', 'vision-lab', '--region', 'europe-west4', '--budget', '500'], REGIONS), {
    ok: true,
    value: { action: 'set', project: 'vision-lab', region: 'europe-west4', budgetUsd: 500 },
  });
  assert.deepEqual(parseTeamCommand('team', ['set', '--budget=$1,250.50'], REGIONS), { ok: true, value: { action: 'set', budgetUsd: 1250.5 } });
  assert.deepEqual(parseTeamCommand('team', ['set', '--budget', 'none'], REGIONS), { ok: true, value: { action: 'set', budgetUsd: null } });
  for (const bad of ['ab', 'Vision_Lab', '1vision-lab', 'vision-lab-', 'a'.repeat(31)]) {
    const parsed = parseTeamCommand('team', ['set', '--project', bad], REGIONS);
    assert.ok(!parsed.ok && /not a Google Cloud project id/.test(parsed.error.message), bad);
  }
  const region = parseTeamCommand('team', ['set', '--region', 'us-east1'], REGIONS);
  assert.ok(!region.ok && /not a region gpubot knows/.test(region.error.message) && /`europe-west4`, `us-central1`/.test(region.error.message));
  assert.ok(!parseTeamCommand('team', ['set', '--budget', ''], REGIONS).ok);
  for (const bad of ['0', '-5', 'lots', '1e99']) {
    const parsed = parseTeamCommand('team', ['set', '--budget', bad], REGIONS);
    assert.ok(!parsed.ok && /monthly budget in US dollars/.test(parsed.error.message), `budget ${JSON.stringify(bad)}`);
  }
});

test('team alone shows, clear unbinds, and flags without set are pointed at set', () => {
  assert.deepEqual(parseTeamCommand('team', [], REGIONS), { ok: true, value: { action: 'show' } });
  assert.deepEqual(parseTeamCommand('team', ['clear'], REGIONS), { ok: true, value: { action: 'clear' } });
  const noSet = parseTeamCommand('team', ['--project', 'vision-lab'], REGIONS);
  assert.ok(!noSet.ok && /start with `set`/.test(noSet.error.message));
  const nothing = parseTeamCommand('team', ['set'], REGIONS);
  assert.ok(!nothing.ok && /Say what to bind/.test(nothing.error.message));
  const unknown = parseTeamCommand('team', ['destroy'], REGIONS);
  assert.ok(!unknown.ok && unknown.error.code === 'UNKNOWN_SUBCOMMAND');
  const parsed = parseGpuCommand('team set --project vision-lab --region europe-west4');
  assert.deepEqual(parsed, { ok: true, value: { kind: 'team', team: { action: 'set', project: 'vision-lab', region: 'europe-west4' } } });
});

test('set changes the parts given and keeps the rest', () => {
  const after = applyTeamSet(TEAM, { action: 'set', budgetUsd: 900 }, 'CVISION', 'UADMIN2', 5);
  assert.deepEqual(after, { ...TEAM, budgetUsd: 900, updatedBy: 'UADMIN2', updatedAt: 5 });
  assert.deepEqual(applyTeamSet(null, { action: 'set', region: 'us-central1' }, 'CNEW', 'UADMIN', 5), {
    channel: 'CNEW',
    project: null,
    region: 'us-central1',
    budgetUsd: null,
    updatedBy: 'UADMIN',
    updatedAt: 5,
  });
});

test("a record without a project is the configured project's; new records in a team's channel carry its project and channel", () => {
  assert.equal(projectOf({}, 'ml-lab'), 'ml-lab');
  assert.equal(projectOf({ project: 'vision-lab' }, 'ml-lab'), 'vision-lab');
  assert.deepEqual(projectsOf([{}, { project: 'vision-lab' }, { project: 'ml-lab' }, { project: 'audio-lab' }], 'ml-lab'), ['ml-lab', 'audio-lab', 'vision-lab']);
  assert.deepEqual(teamTag(null, 'ml-lab'), {});
  assert.deepEqual(teamTag(TEAM, 'ml-lab'), { project: 'vision-lab', team: 'CVISION' });
  assert.deepEqual(teamTag({ ...TEAM, project: null }, 'ml-lab'), { project: 'ml-lab', team: 'CVISION' });
  assert.ok(isProjectId('example.com:vision-lab'), 'domain-scoped ids are project ids too');
});

test("a request in a team's channel goes to its region; another region or a zone outside it is refused, naming the team's", () => {
  assert.deepEqual(placeInTeam(null, { region: 'us-east1', zone: null }), { ok: true, value: { region: 'us-east1' } });
  assert.deepEqual(placeInTeam({ ...TEAM, region: null }, { region: 'us-east1', zone: null }), { ok: true, value: { region: 'us-east1' } });
  assert.deepEqual(placeInTeam(TEAM, { region: null, zone: null }), { ok: true, value: { region: 'europe-west4' } });
  assert.deepEqual(placeInTeam(TEAM, { region: null, zone: 'europe-west4-b' }), { ok: true, value: { region: 'europe-west4' } });
  const region = placeInTeam(TEAM, { region: 'us-central1', zone: null });
  assert.ok(!region.ok && region.error.code === 'TEAM_REGION' && /uses region `europe-west4`; the region `us-central1` is outside it/.test(region.error.message));
  const zone = placeInTeam(TEAM, { region: null, zone: 'us-central1-a' });
  assert.ok(!zone.ok && /zone `us-central1-a`/.test(zone.error.message));
});

test('spend by team: each team channel on its line, records of no team on their own', () => {
  const now = Date.UTC(2026, 10, 20, 12);
  const period = periodOf({ kind: 'month' }, now);
  const running = (id: string, extra: object) =>
    makeBox({ id, name: id, status: 'ready', desired: 'running', createdAt: now - 3_600_000, updatedAt: now, history: [{ status: 'booting', at: now - 3_600_000 }, { status: 'ready', at: now - 3_500_000 }], ...extra });
  const report = buildCostReport({ boxes: [running('a', { team: 'CVISION', project: 'vision-lab' }), running('b', {}), running('c', { team: 'CVISION' })], jobs: [] }, (r) => bundledPrices(r), period, now);
  const byTeam = new Map(report.byTeam.map((t) => [t.key, t.total]));
  assert.deepEqual([...byTeam.keys()].sort(), [NO_TEAM, 'CVISION'].sort());
  const one = report.byBox.find((b) => b.key === 'b')?.total ?? 0;
  assert.ok(one > 0);
  assert.ok(Math.abs((byTeam.get('CVISION') ?? 0) - 2 * one) < 1e-9, 'two boxes of the team');
  assert.ok(Math.abs((byTeam.get(NO_TEAM) ?? 0) - one) < 1e-9, 'one of no team');
});
