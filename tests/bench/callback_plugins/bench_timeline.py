# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: when each play and each task ran on each host, written as JSON.

ansible-core ships no profile_tasks (it lives in ansible.posix, not installed offline), so the
benchmarks enable this instead: ``ANSIBLE_CALLBACK_PLUGINS=tests/bench/callback_plugins``,
``ANSIBLE_CALLBACKS_ENABLED=bench_timeline`` and ``BENCH_TIMELINE_FILE=PATH``.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timeline
type: aggregate
short_description: Record play and task timings per host as JSON (benchmarks only)
description:
  - Writes the start and end time of every play and of every task on every host to the file
    named by the environment variable E(BENCH_TIMELINE_FILE).
requirements:
  - enable in configuration
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timeline"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.began = time.time()
        self.plays = []
        self.tasks = []
        self._open = {}

    @staticmethod
    def _cpu_busy():
        """Busy CPU seconds of the whole machine so far, all cores (Linux /proc/stat; None elsewhere)."""
        try:
            with open("/proc/stat") as handle:
                fields = [int(x) for x in handle.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / float(os.sysconf("SC_CLK_TCK"))

    @staticmethod
    def _controller_cpu():
        """CPU seconds of the ansible-playbook process itself so far (its strategy loop; not its workers)."""
        times = os.times()
        return times.user + times.system

    @staticmethod
    def _lab_cpu():
        """CPU seconds so far of the processes named by BENCH_LAB_PIDS (the lab's API stand-ins; None when unset)."""
        pids = [pid for pid in os.environ.get("BENCH_LAB_PIDS", "").split(",") if pid]
        if not pids:
            return None
        total = 0.0
        for pid in pids:
            try:
                with open("/proc/%s/stat" % pid) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            total += (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
        return total

    def _counters(self, edge):
        return {"cpu_busy_" + edge: self._cpu_busy(), "controller_cpu_" + edge: self._controller_cpu(), "lab_cpu_" + edge: self._lab_cpu()}

    def _close_play(self, now):
        if self.plays and self.plays[-1]["end"] is None:
            self.plays[-1]["end"] = now
            self.plays[-1].update(self._counters("end"))

    def _play(self):
        return self.plays[-1]["name"] if self.plays else None

    def v2_playbook_on_play_start(self, play):
        now = time.time()
        self._close_play(now)
        self.plays.append(dict({"name": play.get_name().strip(), "start": now, "end": None}, **self._counters("start")))

    def v2_runner_on_start(self, host, task):
        self._open[(host.get_name(), task._uuid)] = time.time()

    def _done(self, result, status):
        host = result._host.get_name()
        task = result._task
        now = time.time()
        start = self._open.pop((host, task._uuid), now)
        self.tasks.append(
            {
                "play": self._play(),
                "task": task.get_name().strip(),
                "role": task._role.get_name() if task._role else None,
                "action": task.action,
                "host": host,
                "status": status,
                "start": start,
                "end": now,
            }
        )

    def v2_runner_on_ok(self, result):
        self._done(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._done(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        now = time.time()
        self._close_play(now)
        path = os.environ.get("BENCH_TIMELINE_FILE")
        if not path:
            return
        with open(path, "w") as handle:
            json.dump({"start": self.began, "end": now, "plays": self.plays, "tasks": self.tasks}, handle)
