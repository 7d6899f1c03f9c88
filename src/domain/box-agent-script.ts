/**
 * How the bot asks a box for something (package a directory for a job, bring a job's outputs back):
 * a small agent on the box, installed by the startup script beside the activity reporter, waits on its
 * instance metadata for a request, does it, and answers in a guest attribute. The bot sets the metadata
 * (with the fingerprint, as `instances.setMetadata` requires) and reads the guest attribute: no SSH and
 * no open port; the agent only makes outgoing requests (the metadata server and Cloud Storage, with the
 * VM's own service account, which needs write access to the staging bucket).
 *
 * Pure text and shapes: the box startup script includes BOX_AGENT_SCRIPT; the bot writes BoxAgentRequest
 * as JSON into the metadata key and reads BoxAgentAnswer back.
 */

/** The instance metadata key the agent waits on (keys: `[a-zA-Z0-9-_]+`, under 128 bytes). */
export const BOX_AGENT_REQUEST_KEY = 'gpubot-agent-request';
/** The guest attribute namespace the agent answers in; the key is `answer-<request id>`. */
export const BOX_AGENT_NAMESPACE = 'gpubot';

/** The largest directory a box packages for a job unless the bot is configured otherwise (bytes, before compression). */
export const DEFAULT_PACKAGE_LIMIT_BYTES = 500 * 1024 * 1024;

/** The object a job's code is uploaded to, under the job's own prefix. */
export function codeObject(jobId: string): string {
  return `jobs/${jobId}/code/code.tar.gz`;
}

export type BoxAgentRequest =
  | {
      /** Letters, digits, `-` and `_`: it becomes part of the answer's guest attribute key. */
      id: string;
      action: 'package';
      /** The directory to package, relative to the notebook's home directory. */
      dir: string;
      /** A file that must be there, relative to `dir` (the entry script or notebook). */
      entry: string;
      bucket: string;
      object: string;
      maxBytes: number;
    }
  | {
      id: string;
      action: 'copy';
      bucket: string;
      /** Every object under this prefix is copied, keeping the path after the prefix. */
      prefix: string;
      /** Where to, relative to the notebook's home directory. */
      to: string;
    };

/** Stable codes the agent answers with when it cannot do what was asked. */
export const BOX_AGENT_ERROR_CODES = ['BAD_REQUEST', 'BAD_PATH', 'NO_DIRECTORY', 'NO_ENTRY', 'TOO_BIG', 'UPLOAD_FAILED', 'DOWNLOAD_FAILED'] as const;
export type BoxAgentErrorCode = (typeof BOX_AGENT_ERROR_CODES)[number];

export type BoxAgentAnswer =
  | {
      id: string;
      ok: true;
      /** package: bytes of the files kept (before compression); copy: bytes written. */
      bytes: number;
      files: number;
      /** package: what was left out (first 20 paths, relative), and why it is left out in general. */
      skipped: string[];
      skippedCount: number;
    }
  | {
      id: string;
      ok: false;
      code: BoxAgentErrorCode;
      message: string;
      /** TOO_BIG: the directory's size and its largest entries, so the person knows what to leave out. */
      bytes?: number;
      largest?: [string, number][];
    };

/**
 * The agent's answer as the bot reads it from the guest attribute: checked field by field, since the box
 * (and whoever uses it) can write anything there. null when it is not an answer to `requestId`.
 */
export function readAgentAnswer(text: string, requestId: string): BoxAgentAnswer | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (v.id !== requestId) return null;
  const count = (x: unknown) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : null);
  if (v.ok === true) {
    const bytes = count(v.bytes);
    const files = count(v.files);
    const skippedCount = count(v.skippedCount);
    if (bytes === null || files === null || skippedCount === null || !Array.isArray(v.skipped)) return null;
    const skipped = v.skipped.filter((s): s is string => typeof s === 'string').slice(0, 20).map((s) => s.slice(0, 200));
    return { id: requestId, ok: true, bytes, files, skipped, skippedCount };
  }
  const code = BOX_AGENT_ERROR_CODES.find((c) => c === v.code);
  if (v.ok !== false || code === undefined || typeof v.message !== 'string') return null;
  const answer: BoxAgentAnswer = { id: requestId, ok: false, code, message: v.message.slice(0, 500) };
  const bytes = count(v.bytes);
  if (bytes !== null) answer.bytes = bytes;
  if (Array.isArray(v.largest)) {
    answer.largest = v.largest
      .filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && count(e[1]) !== null)
      .slice(0, 5)
      .map(([path, size]) => [path.slice(0, 200), size]);
  }
  return answer;
}

/**
 * The agent (Python 3 standard library only, as every Deep Learning VM image has it). It runs as a
 * systemd service and loops: a hanging GET with `wait_for_change` on its metadata key, and for each
 * request not answered yet, the work and one guest attribute with the answer. The last request id it
 * answered is kept in /run, so a restarted agent does not redo the last request.
 *
 * Packaging skips `.git`, `__pycache__`, `.ipynb_checkpoints`, virtual environments (any directory with
 * a `pyvenv.cfg`, as `python -m venv` and virtualenv write) and what the directory's `.gitignore` names
 * (its plain patterns: `name`, `*.ext`, `dir/`, `/rooted`; negations are not read). A directory over
 * `maxBytes` after those are skipped is refused with its largest entries, and nothing is uploaded.
 *
 * Endpoints can be overridden through GPUBOT_* environment variables (tests point them at local servers).
 */
export const BOX_AGENT = String.raw`#!/usr/bin/env python3
"""gpubot box agent: waits on this VM's metadata for the bot's requests, answers in guest attributes.

Outgoing requests only (the metadata server and Cloud Storage); it listens on no port."""
import fnmatch
import io
import json
import os
import re
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request

METADATA = os.environ.get("GPUBOT_METADATA_URL", "http://metadata.google.internal").rstrip("/")
STORAGE = os.environ.get("GPUBOT_STORAGE_URL", "https://storage.googleapis.com").rstrip("/")
HOME = os.path.realpath(os.environ.get("GPUBOT_AGENT_HOME", "/home/jupyter"))
STATE_FILE = os.environ.get("GPUBOT_AGENT_STATE", "/run/gpubot/agent-last-request")
WAIT_SECONDS = int(os.environ.get("GPUBOT_AGENT_WAIT_SECONDS", "300"))
KEY = "gpubot-agent-request"
NAMESPACE = "gpubot"
ALWAYS_SKIPPED = {".git", "__pycache__", ".ipynb_checkpoints"}
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
TIMEOUT = 60


class Refusal(Exception):
    def __init__(self, code, message, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


def metadata_request(path, method="GET", body=None, timeout=TIMEOUT):
    req = urllib.request.Request(METADATA + "/computeMetadata/v1/" + path, data=body, method=method, headers={"Metadata-Flavor": "Google"})
    return urllib.request.urlopen(req, timeout=timeout)


def token():
    with metadata_request("instance/service-accounts/default/token") as res:
        return json.loads(res.read().decode("utf-8"))["access_token"]


def answer(request_id, value):
    body = json.dumps(value, separators=(",", ":")).encode("utf-8")
    with metadata_request("instance/guest-attributes/" + NAMESPACE + "/answer-" + request_id, "PUT", body):
        pass


def inside_home(relative):
    """The absolute path of a path given relative to the home directory, refusing any way out of it."""
    if not isinstance(relative, str) or relative.startswith("/") or "\x00" in relative:
        raise Refusal("BAD_PATH", "Paths are relative to the notebook's home directory, like projects/census.")
    path = os.path.realpath(os.path.join(HOME, relative))
    if path != HOME and not path.startswith(HOME + os.sep):
        raise Refusal("BAD_PATH", "%r leads out of the notebook's home directory." % relative)
    return path


def gitignore_patterns(root):
    patterns = []
    try:
        with open(os.path.join(root, ".gitignore"), encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line == "" or line.startswith("#") or line.startswith("!"):
                    continue
                patterns.append((line.endswith("/"), line.rstrip("/")))
    except OSError:
        pass
    return patterns


def ignored(relative, is_dir, patterns):
    name = relative.rsplit("/", 1)[-1]
    for dir_only, pattern in patterns:
        if dir_only and not is_dir:
            continue
        if pattern.startswith("/"):
            if fnmatch.fnmatchcase(relative, pattern[1:]):
                return True
        elif "/" in pattern:
            if fnmatch.fnmatchcase(relative, pattern):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def walk(root):
    """(kept files as (relative, absolute, size), skipped relative paths)."""
    patterns = gitignore_patterns(root)
    kept, skipped = [], []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        abs_dir = os.path.join(root, rel_dir)
        try:
            entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = entry.name if rel_dir == "" else rel_dir + "/" + entry.name
            if entry.is_symlink():
                skipped.append(rel)
                continue
            is_dir = entry.is_dir()
            if is_dir and (entry.name in ALWAYS_SKIPPED or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))):
                skipped.append(rel + "/")
                continue
            if ignored(rel, is_dir, patterns):
                skipped.append(rel + ("/" if is_dir else ""))
                continue
            if is_dir:
                stack.append(rel)
            elif entry.is_file():
                kept.append((rel, entry.path, entry.stat().st_size))
    return kept, skipped


def package(req):
    root = inside_home(req["dir"])
    if not os.path.isdir(root):
        raise Refusal("NO_DIRECTORY", "There is no directory %s on the box." % req["dir"])
    entry = os.path.realpath(os.path.join(root, req["entry"]))
    if not entry.startswith(root + os.sep) or not os.path.isfile(entry):
        raise Refusal("NO_ENTRY", "%s is not in %s on the box." % (req["entry"], req["dir"]))
    kept, skipped = walk(root)
    entry_rel = os.path.relpath(entry, root).replace(os.sep, "/")
    if entry_rel not in [k[0] for k in kept]:
        raise Refusal("NO_ENTRY", "%s is left out by .gitignore; the job could not run it." % req["entry"])
    total = sum(size for _, _, size in kept)
    if total > req["maxBytes"]:
        sizes = {}
        for rel, _, size in kept:
            top = rel.split("/", 1)[0]
            sizes[top] = sizes.get(top, 0) + size
        largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
        raise Refusal("TOO_BIG", "%s holds %d bytes to package; the limit is %d." % (req["dir"], total, req["maxBytes"]), bytes=total, largest=[[k, v] for k, v in largest])
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for rel, path, _ in kept:
            tar.add(path, arcname=rel, recursive=False)
    url = STORAGE + "/upload/storage/v1/b/" + urllib.parse.quote(req["bucket"], safe="") + "/o?uploadType=media&name=" + urllib.parse.quote(req["object"], safe="")
    upload = urllib.request.Request(url, data=buffer.getvalue(), method="POST", headers={"Authorization": "Bearer " + token(), "Content-Type": "application/gzip"})
    try:
        with urllib.request.urlopen(upload, timeout=TIMEOUT) as res:
            res.read()
    except (urllib.error.URLError, OSError) as error:
        raise Refusal("UPLOAD_FAILED", "Cloud Storage refused the upload: %s" % error)
    return {"bytes": total, "files": len(kept), "skipped": skipped[:20], "skippedCount": len(skipped)}


def copy(req):
    target = inside_home(req["to"])
    auth = {"Authorization": "Bearer " + token()}
    bucket = urllib.parse.quote(req["bucket"], safe="")
    names, page = [], None
    try:
        while True:
            query = {"prefix": req["prefix"]}
            if page:
                query["pageToken"] = page
            listing = urllib.request.Request(STORAGE + "/storage/v1/b/" + bucket + "/o?" + urllib.parse.urlencode(query), headers=auth)
            with urllib.request.urlopen(listing, timeout=TIMEOUT) as res:
                data = json.loads(res.read().decode("utf-8"))
            names += [item["name"] for item in data.get("items", [])]
            page = data.get("nextPageToken")
            if not page:
                break
        written = 0
        for name in names:
            rel = name[len(req["prefix"]):].lstrip("/")
            path = os.path.realpath(os.path.join(target, rel))
            if rel == "" or name.endswith("/") or not path.startswith(target + os.sep):
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            get = urllib.request.Request(STORAGE + "/storage/v1/b/" + bucket + "/o/" + urllib.parse.quote(name, safe="") + "?alt=media", headers=auth)
            with urllib.request.urlopen(get, timeout=TIMEOUT) as res, open(path, "wb") as out:
                data = res.read()
                out.write(data)
                written += len(data)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Refusal("DOWNLOAD_FAILED", "Could not bring the outputs over: %s" % error)
    return {"bytes": written, "files": len(names), "skipped": [], "skippedCount": 0}


def request_of(text):
    """(request id, request), or (None, None) for text that is no request of the bot's."""
    try:
        req = json.loads(text)
    except ValueError:
        return None, None
    request_id = req.get("id") if isinstance(req, dict) else None
    if not isinstance(request_id, str) or not REQUEST_ID.match(request_id):
        return None, None
    return request_id, req


def handle(request_id, req):
    try:
        if req.get("action") == "package":
            result = package(req)
        elif req.get("action") == "copy":
            result = copy(req)
        else:
            raise Refusal("BAD_REQUEST", "This agent does package and copy, not %r." % req.get("action"))
        return dict(id=request_id, ok=True, **result)
    except Refusal as refusal:
        return dict(id=request_id, ok=False, code=refusal.code, message=refusal.message, **refusal.extra)
    except (KeyError, TypeError) as error:
        return dict(id=request_id, ok=False, code="BAD_REQUEST", message="The request lacks %s." % error)


def last_answered():
    try:
        with open(STATE_FILE, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


def remember(request_id):
    os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
    with open(STATE_FILE, "w", encoding="utf-8") as f:
        f.write(request_id)


def main():
    etag = "0"
    done = last_answered()
    while True:
        try:
            path = "instance/attributes/" + KEY + "?" + urllib.parse.urlencode({"wait_for_change": "true", "last_etag": etag, "timeout_sec": WAIT_SECONDS})
            with metadata_request(path, timeout=WAIT_SECONDS + 30) as res:
                etag = res.headers.get("ETag", etag)
                text = res.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            # 404: no request yet. Wait a little rather than spin.
            time.sleep(5 if error.code == 404 else 10)
            continue
        except (urllib.error.URLError, OSError):
            time.sleep(10)
            continue
        request_id, req = request_of(text)
        # A request already answered (the bot setting it again, or a restart) is not done twice.
        if request_id is None or request_id == done:
            continue
        try:
            answer(request_id, handle(request_id, req))
            remember(request_id)
            done = request_id
        except (urllib.error.URLError, OSError) as error:
            print("gpubot agent: could not answer %s: %s" % (request_id, error), file=sys.stderr)
            etag = "0"
            time.sleep(5)


if __name__ == "__main__":
    main()
`;

/**
 * Installs the agent as a systemd service that restarts when it stops; safe to run at every boot. Like
 * the activity reporter's installer it chains its steps with `&&` inside a function, so a failure here
 * never stops the rest of the box's start-up.
 */
export const BOX_AGENT_SCRIPT = `# gpubot: the box agent (packages code for /train --from-box, brings outputs back). Opens no port.
gpubot_install_agent() {
  install -d -m 0755 /usr/local/lib/gpubot &&
  cat > /usr/local/lib/gpubot/agent.py.new <<'GPUBOT_AGENT_PY' &&
${BOX_AGENT.trimEnd()}
GPUBOT_AGENT_PY
  chmod 0755 /usr/local/lib/gpubot/agent.py.new &&
  mv -f /usr/local/lib/gpubot/agent.py.new /usr/local/lib/gpubot/agent.py &&
  cat > /etc/systemd/system/gpubot-agent.service <<'GPUBOT_UNIT' &&
[Unit]
Description=gpubot: box agent (waits on instance metadata, answers in guest attributes)
Wants=network-online.target
After=network-online.target

[Service]
# The notebook's user, so packaged and copied files are theirs.
User=jupyter
ExecStart=/usr/bin/env python3 /usr/local/lib/gpubot/agent.py
Environment=GPUBOT_AGENT_STATE=/run/gpubot-agent/last-request
RuntimeDirectory=gpubot-agent
RuntimeDirectoryPreserve=yes
Restart=always
RestartSec=10
Nice=10

[Install]
WantedBy=multi-user.target
GPUBOT_UNIT
  systemctl daemon-reload &&
  systemctl enable --now gpubot-agent.service
}
gpubot_install_agent || echo "gpubot: could not install the box agent; /train --from-box cannot reach this box" >&2
`;
