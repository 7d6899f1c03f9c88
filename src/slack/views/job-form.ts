/**
 * `/train` alone: a modal with one box for the command line (flags or a pasted gcloud line), one for the
 * text of an ML Engine tuning config (`--config hptuning.yaml`, which Slack cannot upload for the bot),
 * and a region.
 */
import type { KnownBlock, Modal } from './block-kit.js';
import { plain } from './block-kit.js';
import { section } from './messages.js';

export const TRAIN_FORM = {
  callbackId: 'train_form',
  blocks: { command: 'train_command', config: 'train_config', region: 'train_region' },
  actions: { command: 'command', config: 'config', region: 'region' },
} as const;

export function trainForm(opts: { defaultRegion: string; regions: readonly string[]; privateMetadata: string; initialCommand?: string }): Modal {
  const options = opts.regions.slice(0, 100).map((r) => ({ text: plain(r), value: r }));
  const initial = options.find((o) => o.value === opts.defaultRegion);
  const blocks: KnownBlock[] = [
    section('Paste a `gcloud ai-platform jobs submit training ...` or `gcloud ai custom-jobs create ...` line, or write the flags of `/train submit`.'),
    {
      type: 'input',
      block_id: TRAIN_FORM.blocks.command,
      label: plain('Command line'),
      element: {
        type: 'plain_text_input',
        action_id: TRAIN_FORM.actions.command,
        multiline: true,
        max_length: 3000,
        ...(opts.initialCommand !== undefined ? { initial_value: opts.initialCommand } : {}),
        placeholder: plain('my_job --scale-tier BASIC_GPU --packages gs://bucket/trainer.tar.gz --module-name trainer.task --runtime-version 2.11'),
      },
    },
    {
      type: 'input',
      block_id: TRAIN_FORM.blocks.config,
      optional: true,
      label: plain('Tuning config'),
      hint: plain('For hyperparameter tuning: paste the text of the file --config names (its trainingInput, with hyperparameters), YAML or JSON.'),
      element: {
        type: 'plain_text_input',
        action_id: TRAIN_FORM.actions.config,
        multiline: true,
        // Slack's most for a plain_text_input; a study's config is a few dozen lines.
        max_length: 3000,
        placeholder: plain('trainingInput:\n  hyperparameters:\n    goal: MAXIMIZE\n    hyperparameterMetricTag: accuracy\n    maxTrials: 20\n    params: ...'),
      },
    },
    {
      type: 'input',
      block_id: TRAIN_FORM.blocks.region,
      optional: true,
      label: plain('Region (when the line names none)'),
      element: { type: 'static_select', action_id: TRAIN_FORM.actions.region, options, ...(initial !== undefined ? { initial_option: initial } : {}) },
    },
  ];
  return { type: 'modal', callback_id: TRAIN_FORM.callbackId, title: plain('Submit a training job'), submit: plain('Submit'), close: plain('Cancel'), private_metadata: opts.privateMetadata, blocks };
}

/** The form's values as typed. */
export function readTrainForm(
  values: Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null }>>,
): { command: string; config: string | null; region: string | null } {
  const command = values[TRAIN_FORM.blocks.command]?.[TRAIN_FORM.actions.command]?.value ?? '';
  const configText = values[TRAIN_FORM.blocks.config]?.[TRAIN_FORM.actions.config]?.value ?? '';
  const region = values[TRAIN_FORM.blocks.region]?.[TRAIN_FORM.actions.region]?.selected_option?.value ?? null;
  return { command, config: configText.trim() === '' ? null : configText, region };
}
