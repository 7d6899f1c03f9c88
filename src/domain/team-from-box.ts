/**
 * `/train --from-box` in a channel: where the job goes when its code comes from a box. The channel
 * decides the project and region, as for `/train` (domain/team.ts); the box only lends its code. A box
 * in another project than the one the channel sends jobs to is refused to everyone but an admin.
 */
import type { Parsed, UserError } from './result.js';
import { projectOf, type Team, type TeamTag } from './team.js';

export interface FromBoxPlace {
  /** The region the job is created in. */
  region: string;
  /** Set when the job runs in another region than the box's: said in the answer. */
  note: string | null;
  /** Set when an admin trains a box's code into another project than the box's: kept in the audit entry. */
  crossing: string | null;
}

/**
 * The job's region and whether its project may differ from the box's.
 *
 * Region: the team's, as `/train` without `--region` takes it. A job from a box names no region of its
 * own (its words have no `--region`), and the box's code reaches Vertex AI through the staging bucket,
 * which any region reads, so nothing ties the job to the box's region; the binding is the admin's rule
 * for where the team's work runs (data kept in one region, quota asked for there). Outside a team's
 * channel, or for a team with no region, the job runs where the box is, as before teams.
 *
 * Project: the job is created in the project the channel sends jobs to (the team's, or the configured
 * one) and paid and budgeted there, while its code comes from the box's project. Left open, that lets
 * anyone with a box in one project run work in another team's project on that team's budget (typing in
 * its channel), or take a team box's code out of the team's project and budget (typing elsewhere), which
 * is what a binding is there to stop. So a non-admin is refused and told where the job would be
 * accepted. An admin may do it on purpose: admins are who bind channels to projects, so an admin who
 * crosses is not stepping around a rule someone else set, and the crossing is written in the audit
 * entry so it shows.
 */
export function placeFromBox(
  team: Team | null,
  tag: TeamTag,
  box: { name: string } & TeamTag,
  boxRegion: string,
  configured: string,
  byAdmin: boolean,
): Parsed<FromBoxPlace> {
  const boxProject = projectOf(box, configured);
  const jobProject = projectOf(tag, configured);
  let crossing: string | null = null;
  if (boxProject !== jobProject) {
    if (!byAdmin) return { ok: false, error: otherProject(box.name, boxProject, jobProject, team, box.team) };
    crossing = `from box ${box.name} in project ${boxProject} into project ${jobProject}`;
  }
  if (team === null || team.region === null || team.region === boxRegion) return { ok: true, value: { region: boxRegion, note: null, crossing } };
  return {
    ok: true,
    value: {
      region: team.region,
      note: `Runs in \`${team.region}\`, this channel's team's region; the box is in \`${boxRegion}\`.`,
      crossing,
    },
  };
}

function otherProject(name: string, boxProject: string, jobProject: string, team: Team | null, boxTeam: string | undefined): UserError {
  const here = team === null ? 'Jobs asked for in this conversation go to' : "This channel's team sends its jobs to";
  const where = boxTeam !== undefined ? `in <#${boxTeam}>, the box's team's channel` : 'in a channel no team is bound to (or a DM)';
  return {
    code: 'TEAM_PROJECT',
    message:
      `\`${name}\` lives in project \`${boxProject}\`. ${here} project \`${jobProject}\`, and a job from a box is made in the project it is asked for in, paid and budgeted there, so I won't take one project's box into another's. ` +
      `Send the same \`/train\` ${where}, or use a box made in this channel; an admin can train across projects on purpose.`,
  };
}
