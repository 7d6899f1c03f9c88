/** Registers every listener, one file each, grouped by Slack surface. */
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../context.js';
import { registerGpuCommand } from './commands/gpu.js';
import { registerTrainCommand } from './commands/train.js';
import { registerJobCancel } from './actions/job-cancel.js';
import { registerJobResubmit } from './actions/job-resubmit.js';
import { registerJobLogs } from './actions/job-logs.js';
import { registerTrainForm } from './views/train-form.js';
import { registerBoxJobCopy } from './actions/box-job-copy.js';
import { registerBoxTrain } from './actions/box-train.js';
import { registerBoxStop } from './actions/box-stop.js';
import { registerBoxStart } from './actions/box-start.js';
import { registerBoxDelete } from './actions/box-delete.js';
import { registerBoxConnect } from './actions/box-connect.js';
import { registerBoxOpen } from './actions/box-open.js';
import { registerBoxKeep } from './actions/box-keep.js';
import { registerBoxApprove } from './actions/box-approve.js';
import { registerBoxDeny } from './actions/box-deny.js';
import { registerBoxDecideReason } from './actions/box-decide-reason.js';
import { registerGpuUpForm } from './views/gpu-up-form.js';
import { registerPolicyForm } from './views/policy-form.js';
import { registerDecisionForm } from './views/decision-form.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { registerJobApprove } from './actions/job-approve.js';
import { registerJobDeny } from './actions/job-deny.js';
import { registerJobDecideReason } from './actions/job-decide-reason.js';
import { registerJobDecisionForm } from './views/job-decision-form.js';
import { registerBoxKeepStopped } from './actions/box-keep-stopped.js';

export function registerListeners(app: App, deps: ListenerDeps): void {
  registerGpuCommand(app, deps);
  if (deps.jobs !== undefined) {
    registerTrainCommand(app, deps, deps.jobs);
    registerJobCancel(app, deps, deps.jobs);
    registerJobResubmit(app, deps, deps.jobs);
    registerJobLogs(app);
    registerTrainForm(app, deps, deps.jobs);
    if (deps.boxJobs !== undefined) {
      registerBoxJobCopy(app, deps, deps.boxJobs);
      registerBoxTrain(app, deps);
    }
  }
  registerBoxStop(app, deps);
  registerBoxStart(app, deps);
  registerBoxDelete(app, deps);
  registerBoxConnect(app, deps);
  registerBoxOpen(app);
  registerBoxKeep(app, deps);
  registerBoxApprove(app, deps);
  registerBoxDeny(app, deps);
  registerBoxDecideReason(app, deps);
  registerGpuUpForm(app, deps);
  registerPolicyForm(app, deps);
  registerDecisionForm(app, deps);
  registerAppHomeOpened(app, deps);
  if (deps.jobApprovals !== undefined) {
    registerJobApprove(app, deps, deps.jobApprovals);
    registerJobDeny(app, deps, deps.jobApprovals);
    registerJobDecideReason(app, deps, deps.jobApprovals);
    registerJobDecisionForm(app, deps, deps.jobApprovals);
  }
  if (deps.stoppedReminders !== undefined) registerBoxKeepStopped(app, deps, deps.stoppedReminders);
}
