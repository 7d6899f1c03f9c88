/**
 * The simulator's file uploads as Slack takes them today: `files.getUploadURLExternal` hands out a URL,
 * the bytes are posted there, and `files.completeUploadExternal` shares the file in a conversation.
 */
import { fail, firstMultipartPart, isRecord, randomId, str } from './sim-util.js';
import type { ApiResult, Json, SimUpload } from './types.js';
import type { Workspace } from './workspace.js';

export class FileMethods {
  constructor(private readonly workspace: Workspace) {}

  readonly handlers: Readonly<Record<string, (args: Json) => Json>> = {
    'files.getUploadURLExternal': (a) => this.uploadUrl(a),
    'files.completeUploadExternal': (a) => this.completeUpload(a),
  };

  private uploadUrl(a: Json): Json {
    const filename = str(a, 'filename');
    const length = Number(str(a, 'length'));
    if (filename === undefined || filename === '' || !Number.isFinite(length) || length <= 0) return fail('invalid_arguments');
    const fileId = randomId('F');
    this.workspace.uploads.push({ fileId, filename, declaredLength: length, completed: false });
    return { ok: true, upload_url: `${this.workspace.url}/upload/${fileId}`, file_id: fileId };
  }

  upload(fileId: string, body: Buffer, contentType: string): ApiResult {
    const upload = this.workspace.uploads.find((u) => u.fileId === fileId);
    if (upload === undefined) return { status: 404, body: fail('file_not_found') };
    const bytes = contentType.startsWith('multipart/form-data') ? firstMultipartPart(body, contentType) ?? body : body;
    upload.bytes = Buffer.from(bytes);
    return { status: 200, body: { ok: true, bytes: upload.bytes.length } };
  }

  private completeUpload(a: Json): Json {
    if (!Array.isArray(a.files) || a.files.length === 0) return fail('invalid_arguments');
    const done: SimUpload[] = [];
    for (const entry of a.files) {
      if (!isRecord(entry) || typeof entry.id !== 'string') return fail('invalid_arguments');
      const upload = this.workspace.uploads.find((u) => u.fileId === entry.id);
      if (upload === undefined || upload.bytes === undefined) return fail('file_not_found');
      if (typeof entry.title === 'string') upload.title = entry.title;
      done.push(upload);
    }
    const channelArg = str(a, 'channel_id') ?? str(a, 'channels')?.split(',')[0];
    let channel: string | undefined;
    if (channelArg !== undefined && channelArg !== '') {
      const target = this.workspace.postTarget(channelArg);
      if ('error' in target) return fail(target.error);
      channel = target.channel;
    }
    const thread = channel === undefined ? {} : this.workspace.threadRoot('files.completeUploadExternal', channel, str(a, 'thread_ts'));
    if ('error' in thread) return fail(thread.error);
    const comment = str(a, 'initial_comment');
    const files = done.map((u) => ({
      id: u.fileId,
      name: u.filename,
      title: u.title ?? u.filename,
      size: u.bytes?.length ?? 0,
      user: this.workspace.botUserId,
      url_private: `https://files.slack.com/files-pri/${this.workspace.teamId}-${u.fileId}/${u.filename}`,
    }));
    for (const u of done) {
      u.completed = true;
      if (channel !== undefined) u.channel = channel;
      if (thread.root !== undefined) u.threadTs = thread.root;
      if (comment !== undefined) u.initialComment = comment;
    }
    if (channel !== undefined) {
      this.workspace.append({
        channel,
        ts: this.workspace.nextTs(),
        user: this.workspace.botUserId,
        fromBot: true,
        text: comment ?? '',
        blocks: [],
        files,
        updates: 0,
        ...(thread.root === undefined ? {} : { threadTs: thread.root }),
      });
    }
    return { ok: true, files };
  }
}
