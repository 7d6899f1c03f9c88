/**
 * How a box tells the bot whether its notebook is in use: a small reporter, installed by the box's
 * startup script, that asks Jupyter every minute and writes two custom metrics to Cloud Monitoring.
 *
 * Why a metric and not guest attributes or an open port: the bot reads one `timeSeries.list` per metric
 * for every box at once (guest attributes need one call per VM), and the box opens nothing: the reporter
 * only makes outgoing requests, to Jupyter on localhost, the metadata server and the Monitoring API, with
 * the VM's own service account (it needs `roles/monitoring.metricWriter`, as the Ops Agent does).
 *
 * Pure text: the box startup script includes NOTEBOOK_ACTIVITY_SCRIPT.
 */

/** Gauge, INT64: Jupyter kernels whose execution_state is `busy` at the report. */
export const BUSY_KERNELS_METRIC = 'custom.googleapis.com/gpubot/notebook/busy_kernels';
/** Gauge, DOUBLE: seconds since any kernel or terminal last did something, at the report. */
export const NOTEBOOK_IDLE_SECONDS_METRIC = 'custom.googleapis.com/gpubot/notebook/idle_seconds';
/** How often the box reports. */
export const NOTEBOOK_REPORT_EVERY_SECONDS = 60;

/**
 * The reporter (Python 3 standard library only: every Deep Learning VM image has it, and it parses
 * Jupyter's JSON safely where shell tools would not). One run = one report; a systemd timer repeats it.
 *
 * What it reports:
 * - busy_kernels: kernels with execution_state `busy` (a long training cell is busy however quiet the
 *   browser is, which is what Datalab's traffic-based idle check got wrong);
 * - idle_seconds: now minus the latest `last_activity` of any kernel or terminal, remembered across runs
 *   in /run (cleared at boot, so a restarted box does not inherit the idle time of its last life).
 *   Jupyter is asked with `no_track_activity`, so asking does not count as activity.
 * - Jupyter not running at all: 0 busy kernels (no kernel outlives its server) and idle since the last
 *   activity seen. Jupyter answering with an error (say its token changed): no report at all, so the bot
 *   sees "unknown" rather than a guess.
 *
 * Endpoints can be overridden through GPUBOT_* environment variables (tests point them at local servers).
 */
export const NOTEBOOK_ACTIVITY_REPORTER = String.raw`#!/usr/bin/env python3
"""gpubot: reports Jupyter kernel activity to Cloud Monitoring, once per run (a systemd timer repeats it).

Outgoing requests only (Jupyter on this machine, the metadata server, the Monitoring API): it listens on
no port. Python standard library only."""
import datetime
import glob
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

METADATA = os.environ.get("GPUBOT_METADATA_URL", "http://metadata.google.internal").rstrip("/")
MONITORING = os.environ.get("GPUBOT_MONITORING_URL", "https://monitoring.googleapis.com").rstrip("/")
# /run is emptied at boot: a restarted box starts counting idle time afresh.
STATE_FILE = os.environ.get("GPUBOT_STATE_FILE", "/run/gpubot/notebook-activity.json")
BUSY_KERNELS = "custom.googleapis.com/gpubot/notebook/busy_kernels"
IDLE_SECONDS = "custom.googleapis.com/gpubot/notebook/idle_seconds"
TIMEOUT = 10


class JupyterError(Exception):
    """Jupyter answered, but not with what we asked for: report nothing rather than guess."""


def http_json(url, headers=None, body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}), method="GET" if body is None else "POST")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        text = response.read().decode("utf-8")
    return json.loads(text) if text.strip() else None


def metadata(path):
    request = urllib.request.Request(METADATA + "/computeMetadata/v1/" + path, headers={"Metadata-Flavor": "Google"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return response.read().decode("utf-8").strip()


def jupyter_servers():
    """Running Jupyter servers as (url, token): the runtime files 'jupyter server list' reads, then the DLVM default."""
    explicit = os.environ.get("GPUBOT_JUPYTER_URL")
    if explicit:
        return [(explicit, os.environ.get("GPUBOT_JUPYTER_TOKEN", ""))]
    found = []
    patterns = []
    if os.environ.get("JUPYTER_RUNTIME_DIR"):
        patterns.append(os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "*server-*.json"))
    patterns += ["/home/*/.local/share/jupyter/runtime/*server-*.json", "/root/.local/share/jupyter/runtime/*server-*.json"]
    for pattern in patterns:
        for path in sorted(glob.glob(pattern), key=os.path.getmtime, reverse=True):
            try:
                with open(path, encoding="utf-8") as handle:
                    info = json.load(handle)
                found.append((info["url"], info.get("token", "")))
            except (OSError, ValueError, KeyError):
                continue
    found.append(("http://127.0.0.1:8080/", ""))
    return found


def parse_time(text):
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def jupyter_get(base, token, path):
    url = base.rstrip("/") + path + "?" + urllib.parse.urlencode({"no_track_activity": "1"})
    headers = {"Authorization": "token " + token} if token else {}
    return http_json(url, headers)


def observe():
    """(busy kernels, latest activity in epoch seconds or None); raises JupyterError when Jupyter misbehaves."""
    for base, token in jupyter_servers():
        try:
            kernels = jupyter_get(base, token, "/api/kernels")
        except urllib.error.HTTPError as error:
            raise JupyterError("Jupyter answered %s for /api/kernels" % error.code)
        except urllib.error.URLError as error:
            if isinstance(error.reason, ConnectionRefusedError):
                continue  # nothing listens there: try the next server
            raise JupyterError("Jupyter did not answer: %s" % error.reason)
        except ConnectionRefusedError:
            continue
        except (OSError, ValueError) as error:
            # A Jupyter too busy to answer in time is not a stopped one: say nothing this minute.
            raise JupyterError("Jupyter did not answer properly: %s" % error)
        if not isinstance(kernels, list):
            raise JupyterError("Jupyter's /api/kernels is not a list")
        try:
            terminals = jupyter_get(base, token, "/api/terminals")
        except (OSError, ValueError):
            terminals = []  # terminals are optional in Jupyter; kernels decide
        if not isinstance(terminals, list):
            terminals = []
        busy = sum(1 for k in kernels if isinstance(k, dict) and k.get("execution_state") == "busy")
        times = [parse_time(item.get("last_activity")) for item in kernels + terminals if isinstance(item, dict)]
        times = [t for t in times if t is not None]
        return busy, (max(times) if times else None)
    return 0, None  # no Jupyter server is running, so no kernel is either


def remembered():
    try:
        with open(STATE_FILE, encoding="utf-8") as handle:
            value = json.load(handle).get("last_activity")
            return float(value) if value is not None else None
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def remember(last_activity):
    os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
    temporary = STATE_FILE + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"last_activity": last_activity}, handle)
    os.replace(temporary, STATE_FILE)


def rfc3339(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def series(metric, resource, value_type, value, at):
    key = "int64Value" if value_type == "INT64" else "doubleValue"
    return {
        "metric": {"type": metric},
        "resource": resource,
        "metricKind": "GAUGE",
        "valueType": value_type,
        "points": [{"interval": {"endTime": rfc3339(at)}, "value": {key: value}}],
    }


def main():
    now = time.time()
    try:
        busy, latest = observe()
    except JupyterError as error:
        print("gpubot notebook activity: no report: %s" % error, file=sys.stderr)
        return 0
    last = max([t for t in (remembered(), latest) if t is not None], default=None)
    if busy > 0 or last is None or last > now:
        last = now  # a busy kernel is activity now; the first run starts the count
    remember(last)
    idle_seconds = round(max(0.0, now - last), 3)

    project = metadata("project/project-id")
    resource = {
        "type": "gce_instance",
        "labels": {"project_id": project, "instance_id": metadata("instance/id"), "zone": metadata("instance/zone").rsplit("/", 1)[-1]},
    }
    token = json.loads(metadata("instance/service-accounts/default/token"))["access_token"]
    body = {
        "timeSeries": [
            series(BUSY_KERNELS, resource, "INT64", str(busy), now),
            series(IDLE_SECONDS, resource, "DOUBLE", idle_seconds, now),
        ]
    }
    try:
        http_json(MONITORING + "/v3/projects/" + urllib.parse.quote(project) + "/timeSeries", {"Authorization": "Bearer " + token}, body)
    except urllib.error.HTTPError as error:
        print("gpubot notebook activity: Monitoring refused the report: %s %s" % (error.code, error.read()[:500]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;

/**
 * Installs the reporter as a systemd timer; safe to run at every boot (GCE runs startup scripts at each
 * one): it rewrites the same files, and `enable --now` is a no-op when the timer already runs.
 * Steps are chained with `&&` inside a function rather than relying on `set -e`, which bash ignores in
 * a function called from an `||` list: that way it can be pasted into any startup script without
 * changing the caller's shell options, and a failure here never stops the rest of the box's start-up.
 */
export const NOTEBOOK_ACTIVITY_SCRIPT = `# gpubot: report Jupyter kernel activity to Cloud Monitoring every minute, for the idle check.
# Outgoing requests only; it opens no port.
gpubot_install_notebook_activity() {
  install -d -m 0755 /usr/local/lib/gpubot &&
  cat > /usr/local/lib/gpubot/notebook-activity.py.new <<'GPUBOT_NOTEBOOK_ACTIVITY_PY' &&
${NOTEBOOK_ACTIVITY_REPORTER.trimEnd()}
GPUBOT_NOTEBOOK_ACTIVITY_PY
  chmod 0755 /usr/local/lib/gpubot/notebook-activity.py.new &&
  mv -f /usr/local/lib/gpubot/notebook-activity.py.new /usr/local/lib/gpubot/notebook-activity.py &&
  cat > /etc/systemd/system/gpubot-notebook-activity.service <<'GPUBOT_UNIT' &&
[Unit]
Description=gpubot: report Jupyter kernel activity to Cloud Monitoring
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=/usr/bin/env python3 /usr/local/lib/gpubot/notebook-activity.py
# /run/gpubot holds the last activity seen: kept between runs, emptied at boot.
RuntimeDirectory=gpubot
RuntimeDirectoryPreserve=yes
Nice=10
GPUBOT_UNIT
  cat > /etc/systemd/system/gpubot-notebook-activity.timer <<'GPUBOT_UNIT' &&
[Unit]
Description=gpubot: report Jupyter kernel activity every minute

[Timer]
OnBootSec=1min
OnUnitActiveSec=${NOTEBOOK_REPORT_EVERY_SECONDS}s
AccuracySec=5s

[Install]
WantedBy=timers.target
GPUBOT_UNIT
  systemctl daemon-reload &&
  systemctl enable --now gpubot-notebook-activity.timer
}
gpubot_install_notebook_activity || echo "gpubot: could not install the notebook activity reporter; this box's notebook activity stays unknown" >&2
`;
