/** `/train --from-box` in a channel: the channel's team decides the region; a box of another project is an admin's call. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeFromBox } from '../../src/domain/team-from-box.js';
import type { Team } from '../../src/domain/team.js';

const HOME = 'gpubot-home';
const VISION = 'vision-lab';
const team = (region: string | null, project: string | null = VISION): Team => ({ channel: 'CVISION', project, region, budgetUsd: null, updatedBy: 'UADMIN', updatedAt: 0 });

test("in a team's channel the job runs in the team's region, saying so when the box is elsewhere", () => {
  const box = { name: 'exp1', project: VISION, team: 'CVISION' };
  const moved = placeFromBox(team('europe-west4'), { project: VISION, team: 'CVISION' }, box, 'us-central1', HOME, false);
  assert.ok(moved.ok);
  assert.equal(moved.value.region, 'europe-west4');
  assert.match(moved.value.note ?? '', /Runs in `europe-west4`, this channel's team's region; the box is in `us-central1`/);
  assert.equal(moved.value.crossing, null);
  const same = placeFromBox(team('europe-west4'), { project: VISION, team: 'CVISION' }, box, 'europe-west4', HOME, false);
  assert.deepEqual(same, { ok: true, value: { region: 'europe-west4', note: null, crossing: null } });
  // A team with no region, or no team: the box's region, as before teams.
  assert.deepEqual(placeFromBox(team(null), { project: VISION, team: 'CVISION' }, box, 'us-central1', HOME, false), { ok: true, value: { region: 'us-central1', note: null, crossing: null } });
  assert.deepEqual(placeFromBox(null, {}, { name: 'old' }, 'us-east1', HOME, false), { ok: true, value: { region: 'us-east1', note: null, crossing: null } });
});

test("a box of another project is refused to a non-admin, naming both projects and where to ask; an admin's crossing is kept for the trail", () => {
  // A box from before teams (the configured project) asked for in the team's channel.
  const into = placeFromBox(team('europe-west4'), { project: VISION, team: 'CVISION' }, { name: 'old' }, 'us-central1', HOME, false);
  assert.ok(!into.ok);
  assert.equal(into.error.code, 'TEAM_PROJECT');
  assert.match(into.error.message, /`old` lives in project `gpubot-home`\. This channel's team sends its jobs to project `vision-lab`/);
  assert.match(into.error.message, /in a channel no team is bound to/);
  // A team's box asked for outside its channel: the job would leave the team's project and budget.
  const out = placeFromBox(null, {}, { name: 'exp1', project: VISION, team: 'CVISION' }, 'europe-west4', HOME, false);
  assert.ok(!out.ok);
  assert.match(out.error.message, /`exp1` lives in project `vision-lab`\. Jobs asked for in this conversation go to project `gpubot-home`/);
  assert.match(out.error.message, /in <#CVISION>, the box's team's channel/);
  // An admin may, on purpose; the region is still the team's.
  const admin = placeFromBox(team('europe-west4'), { project: VISION, team: 'CVISION' }, { name: 'old' }, 'us-central1', HOME, true);
  assert.ok(admin.ok);
  assert.equal(admin.value.region, 'europe-west4');
  assert.equal(admin.value.crossing, 'from box old in project gpubot-home into project vision-lab');
  // A team that keeps the configured project: a box from before teams is in the same project.
  assert.ok(placeFromBox(team(null, null), { project: HOME, team: 'CVISION' }, { name: 'old' }, 'us-central1', HOME, false).ok);
});
