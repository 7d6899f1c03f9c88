/** Registers every listener, one file each, grouped by Slack surface. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../context.js';
import { registerGpuCommand } from './commands/gpu.js';
import { registerTrainCommand } from './commands/train.js';
import { registerJobActions } from './actions/job-actions.js';
import { registerTrainForm } from './views/train-form.js';
import { registerBoxStop } from './actions/box-stop.js';
import { registerBoxStart } from './actions/box-start.js';
import { registerBoxDelete } from './actions/box-delete.js';
import { registerBoxConnect } from './actions/box-connect.js';
import { registerBoxOpen } from './actions/box-open.js';
import { registerBoxKeep } from './actions/box-keep.js';
import { registerBoxApproval } from './actions/box-approval.js';
import { registerGpuUpForm } from './views/gpu-up-form.js';
import { registerPolicyForm } from './views/policy-form.js';
import { registerDecisionForm } from './views/decision-form.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { registerJobApproval } from './actions/job-approval.js';
import { registerJobDecisionForm } from './views/job-decision-form.js';
import { registerBoxKeepStopped } from './actions/box-keep-stopped.js';

export function registerListeners(app: App, deps: ListenerDeps): void {
  registerGpuCommand(app, deps);
  if (deps.jobs !== undefined) {
    registerTrainCommand(app, deps, deps.jobs);
    registerJobActions(app, deps, deps.jobs);
    registerTrainForm(app, deps, deps.jobs);
  }
  registerBoxStop(app, deps);
  registerBoxStart(app, deps);
  registerBoxDelete(app, deps);
  registerBoxConnect(app, deps);
  registerBoxOpen(app);
  registerBoxKeep(app, deps);
  registerBoxApproval(app, deps);
  registerGpuUpForm(app, deps);
  registerPolicyForm(app, deps);
  registerDecisionForm(app, deps);
  registerAppHomeOpened(app, deps);
  if (deps.jobApprovals !== undefined) {
    registerJobApproval(app, deps, deps.jobApprovals);
    registerJobDecisionForm(app, deps, deps.jobApprovals);
  }
  if (deps.stoppedReminders !== undefined) registerBoxKeepStopped(app, deps, deps.stoppedReminders);
}
