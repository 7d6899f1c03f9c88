/**
 * The simulator's `views.*` methods (modals opened, pushed and updated; Home tabs published) and how
 * Slack applies the bot's answer to a view submission.
 */
import { errorMessages, fail, isRecord, str } from './sim-util.js';
import type { BotResponse, Json, SimView, ViewSubmissionResponse } from './types.js';
import type { Workspace } from './workspace.js';

export const MAX_VIEW_STACK = 3;
const HOME_VIEW_MAX_BYTES = 250_000;

export class ViewMethods {
  constructor(private readonly workspace: Workspace) {}

  readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'views.open': (a) => this.viewsOpen(a),
    'views.push': (a) => this.viewsPush(a),
    'views.update': (a) => this.viewsUpdate(a),
    'views.publish': (a) => this.viewsPublish(a),
  };

  private viewsOpen(a: Json): Json {
    const checked = this.workspace.checkView('views.open', 'modal', a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    const trigger = this.workspace.exchangeTrigger(str(a, 'trigger_id') ?? str(a, 'interactivity_pointer'));
    if ('error' in trigger) return fail(trigger.error);
    const view = this.workspace.newView(trigger.userId, 'modal', checked, null, null);
    this.workspace.viewStacks.set(trigger.userId, [view]);
    this.workspace.changed({ kind: 'view', view, action: 'opened' });
    return { ok: true, view: this.workspace.viewOutput(view) };
  }

  private viewsPush(a: Json): Json {
    const checked = this.workspace.checkView('views.push', 'modal', a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    const trigger = this.workspace.exchangeTrigger(str(a, 'trigger_id') ?? str(a, 'interactivity_pointer'));
    if ('error' in trigger) return fail(trigger.error);
    const stack = this.workspace.viewStacks.get(trigger.userId) ?? [];
    const top = stack[stack.length - 1];
    if (top === undefined) return fail('not_found');
    if (stack.length >= MAX_VIEW_STACK) return fail('push_limit_reached');
    const view = this.workspace.newView(trigger.userId, 'modal', checked, top.rootViewId, top.id);
    stack.push(view);
    this.workspace.changed({ kind: 'view', view, action: 'pushed' });
    return { ok: true, view: this.workspace.viewOutput(view) };
  }

  private viewsUpdate(a: Json): Json {
    const viewId = str(a, 'view_id');
    const externalId = str(a, 'external_id');
    let view: SimView | undefined;
    if (viewId !== undefined && viewId !== '') view = this.workspace.view(viewId);
    else if (externalId !== undefined && externalId !== '') {
      const all = [...[...this.workspace.viewStacks.values()].flat(), ...this.workspace.homes.values()];
      view = all.find((v) => v.spec.external_id === externalId);
    } else return fail('invalid_arguments');
    if (view === undefined) return fail('not_found');
    const hash = str(a, 'hash');
    if (hash !== undefined && hash !== '' && hash !== view.hash) return fail('hash_conflict');
    const checked = this.workspace.checkView('views.update', view.type, a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    view.spec = checked;
    view.hash = this.workspace.newHash();
    if (view.type === 'home') this.workspace.changed({ kind: 'home', view });
    else this.workspace.changed({ kind: 'view', view, action: 'updated' });
    return { ok: true, view: this.workspace.viewOutput(view) };
  }

  private viewsPublish(a: Json): Json {
    const userId = str(a, 'user_id');
    if (userId === undefined || this.workspace.user(userId) === undefined) return fail('user_not_found');
    if (a.view !== undefined && JSON.stringify(a.view).length > HOME_VIEW_MAX_BYTES) {
      this.workspace.violation('views.publish', [`view is ${JSON.stringify(a.view).length} bytes; Slack refuses more than about ${HOME_VIEW_MAX_BYTES}`]);
      return fail('view_too_large');
    }
    const checked = this.workspace.checkView('views.publish', 'home', a.view);
    if ('error' in checked) return fail(String(checked.error), errorMessages(Array.isArray(checked.problems) ? checked.problems : []));
    const existing = this.workspace.homes.get(userId);
    const hash = str(a, 'hash');
    if (existing !== undefined && hash !== undefined && hash !== '' && hash !== existing.hash) return fail('hash_conflict');
    const view = existing ?? this.workspace.newView(userId, 'home', checked, null, null);
    view.spec = checked;
    view.hash = this.workspace.newHash();
    this.workspace.homes.set(userId, view);
    this.workspace.changed({ kind: 'home', view });
    return { ok: true, view: this.workspace.viewOutput(view) };
  }

  afterSubmission(userId: string, view: SimView, response: BotResponse): Pick<ViewSubmissionResponse, 'outcome' | 'errors'> {
    if (response.status !== 200) return { outcome: 'failed' };
    const body = isRecord(response.body) ? response.body : {};
    const stack = this.workspace.viewStacks.get(userId) ?? [];
    const index = stack.findIndex((v) => v.id === view.id);
    switch (body.response_action) {
      case 'errors': {
        const errors: Record<string, string> = {};
        if (isRecord(body.errors)) for (const [k, v] of Object.entries(body.errors)) errors[k] = String(v);
        return { outcome: 'errors', errors };
      }
      case 'update': {
        const checked = this.workspace.checkView('view_submission', 'modal', body.view);
        if ('error' in checked) return { outcome: 'failed' };
        view.spec = checked;
        view.hash = this.workspace.newHash();
        this.workspace.changed({ kind: 'view', view, action: 'updated' });
        return { outcome: 'updated' };
      }
      case 'push': {
        const checked = this.workspace.checkView('view_submission', 'modal', body.view);
        if ('error' in checked) return { outcome: 'failed' };
        if (stack.length >= MAX_VIEW_STACK) {
          this.workspace.violation('view_submission', ['response_action push beyond 3 stacked views']);
          return { outcome: 'failed' };
        }
        const pushed = this.workspace.newView(userId, 'modal', checked, view.rootViewId, view.id);
        stack.push(pushed);
        this.workspace.viewStacks.set(userId, stack);
        this.workspace.changed({ kind: 'view', view: pushed, action: 'pushed' });
        return { outcome: 'pushed' };
      }
      case 'clear':
        for (const v of stack.splice(0).reverse()) this.workspace.changed({ kind: 'view', view: v, action: 'closed' });
        return { outcome: 'cleared' };
      default:
        if (index >= 0) {
          stack.splice(index, 1);
          this.workspace.changed({ kind: 'view', view, action: 'closed' });
        }
        return { outcome: 'closed' };
    }
  }
}
