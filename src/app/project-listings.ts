/**
 * The box pass's listings when boxes live in more than one project (a team's, domain/team.ts): the
 * configured project, every project a live box names and every project a channel is bound to, each
 * listed on its own, so that a listing failure in one project leaves the others' boxes judged as usual.
 * A bound project with no live box is listed too: a VM of ours there whose record was lost (or whose
 * creator died before writing it) is an orphan an admin must hear of, as in the configured project.
 */
import type { Box } from '../domain/box.js';
import { projectsOf } from '../domain/team.js';
import type { BoxStore, ComputePort, ForProject, InstanceListing, Logger } from './ports.js';

export interface ListingDeps {
  store: Pick<BoxStore, 'liveBoxes'>;
  log: Logger;
  /** The configured project. */
  project: string;
  /** Present when boxes may live in other projects; absent: only the configured one is listed. */
  computeFor?: ForProject<ComputePort>;
  /** The projects channels are bound to (app/teams.ts, read through a short cache); absent: none. */
  boundProjects?: () => Promise<readonly string[]>;
}

/**
 * The live boxes, and each project's listing (null: that project could not be listed this pass). Only
 * when no project could be listed does the pass fail, as it did with one project.
 */
export async function listProjects(deps: ListingDeps, computeIn: (project: string) => ComputePort): Promise<[Box[], Map<string, InstanceListing | null>]> {
  const failures: unknown[] = [];
  const list = async (project: string): Promise<readonly [string, InstanceListing | null]> => {
    try {
      return [project, await computeIn(project).listManagedInstances()];
    } catch (error) {
      failures.push(error);
      deps.log.warn('could not list the VMs of a project; its boxes keep their state this pass', { project, error });
      return [project, null];
    }
  };
  // The configured project's listing runs beside the read of the boxes, as it did before teams; the
  // other projects are known once the boxes are.
  const configured = list(deps.project);
  // Bindings that cannot be read leave out only the bound projects no live box names, for this pass:
  // every box's own project is still listed, so no box looks gone for it.
  const bound =
    deps.computeFor === undefined || deps.boundProjects === undefined
      ? Promise.resolve([])
      : deps.boundProjects().catch((error: unknown) => {
          deps.log.warn('could not read the team bindings; only the projects of live boxes are listed this pass', { error });
          return [];
        });
  const boxes = await deps.store.liveBoxes().catch(async (error: unknown) => {
    await configured;
    throw error;
  });
  const others =
    deps.computeFor === undefined ? [] : [...new Set([...projectsOf(boxes, deps.project), ...(await bound)])].filter((p) => p !== deps.project).sort();
  const listed = await Promise.all([configured, ...others.map(list)]);
  if (failures.length === listed.length) throw failures[0];
  return [boxes, new Map(listed)];
}
