"""Reading the bench_timeline callback's JSON: how long each play and task took (the profile of a run)."""

import json


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def union_seconds(intervals):
    """Total length of the union of (start, end) intervals: wall time, whether hosts ran in parallel or in turn."""
    total = 0.0
    end_of_last = None
    for start, end in sorted(intervals):
        if end_of_last is None or start > end_of_last:
            total += end - start
            end_of_last = end
        elif end > end_of_last:
            total += end - end_of_last
            end_of_last = end
    return total


def plays(timeline):
    """[(name, seconds)] in run order."""
    return [(play["name"], round((play["end"] or timeline["end"]) - play["start"], 2)) for play in timeline["plays"]]


def play_seconds(timeline, name):
    return sum(seconds for play, seconds in plays(timeline) if play == name)


def tasks(timeline, play_names=None, top=None):
    """Wall seconds per (play, task) over all hosts, largest first: [{play, task, action, seconds, hosts, runs}]."""
    groups = {}
    for record in timeline["tasks"]:
        if play_names is not None and record["play"] not in play_names:
            continue
        key = (record["play"], record["task"])
        group = groups.setdefault(key, {"play": record["play"], "task": record["task"], "action": record["action"], "intervals": [], "hosts": set()})
        group["intervals"].append((record["start"], record["end"]))
        group["hosts"].add(record["host"])
    result = [
        {
            "play": g["play"],
            "task": g["task"],
            "action": g["action"],
            "seconds": round(union_seconds(g["intervals"]), 2),
            "hosts": len(g["hosts"]),
            "runs": len(g["intervals"]),
        }
        for g in groups.values()
    ]
    result.sort(key=lambda item: -item["seconds"])
    return result[:top] if top else result


def task_count(timeline, play_names=None):
    return sum(1 for record in timeline["tasks"] if play_names is None or record["play"] in play_names)


def gaps(timeline, play_names):
    """Seconds inside the plays where no task of theirs ran on any host: Ansible's own time (templating, forks, results)."""
    busy = union_seconds([(r["start"], r["end"]) for r in timeline["tasks"] if r["play"] in play_names])
    total = sum(seconds for play, seconds in plays(timeline) if play in play_names)
    return round(total - busy, 2)


def play_counter(timeline, name, counter):
    """How much the callback's ``counter`` grew while the play ``name`` ran (None when not recorded): CPU seconds of
    the whole machine (``cpu_busy``, /proc/stat), of the ansible-playbook process itself (``controller_cpu``, its
    strategy loop) or of the lab's API stand-ins (``lab_cpu``)."""
    total = 0.0
    for play in timeline["plays"]:
        if play["name"] != name:
            continue
        if play.get(counter + "_start") is None or play.get(counter + "_end") is None or not play["end"]:
            return None
        total += play[counter + "_end"] - play[counter + "_start"]
    return total


def cores_busy(timeline, name, counter="cpu_busy"):
    """Cores kept busy on average while the play ``name`` ran, by ``counter`` (see play_counter)."""
    busy = play_counter(timeline, name, counter)
    wall = sum((play["end"] or timeline["end"]) - play["start"] for play in timeline["plays"] if play["name"] == name)
    return busy / wall if busy is not None and wall else None


def load_module_cpu(path):
    """The records of tests/bench/module_python.sh: [(start, end, cpu seconds)], one per module run on a master."""
    records = []
    with open(path, encoding="ascii") as handle:
        for line in handle:
            start, end, user, system = line.split()
            records.append((float(start), float(end), _bash_seconds(user) + _bash_seconds(system)))
    return records


def _bash_seconds(text):
    """``1m2.345s`` (bash's ``times``) in seconds."""
    minutes, seconds = text.rstrip("s").split("m")
    return int(minutes) * 60 + float(seconds)


def module_cpu(timeline, name, records):
    """(CPU seconds, runs) of the module runs on the masters that started while the play ``name`` ran."""
    windows = [(play["start"], play["end"] or timeline["end"]) for play in timeline["plays"] if play["name"] == name]
    inside = [cpu for start, _end, cpu in records if any(low <= start <= high for low, high in windows)]
    return sum(inside), len(inside)
