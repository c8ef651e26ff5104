"""Benchmarks (issue 10): ``make bench`` / ``python -m tests.bench``; not part of ``make test``.

Suites: ``nsxsim`` (simulator startup and throughput), ``preflight`` (the nsx_preflight module at NSX scale),
``task_cost`` (what one Ansible task costs here, pipelining off / on), ``strategy1`` (migrate_all downtime
overhead on 1, 5 and 20 lab clusters, forks 5 and 20), ``strategy2`` (migrate_cluster back to back), and the
extra ``preflight_baseline`` (the preflight of a git ref, for before/after figures).
Results: ``docs/benchmarks.json`` and ``docs/benchmarks.md`` (``--quick`` writes to ``build/bench/``).
"""
