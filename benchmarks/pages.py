"""Benchmark the pages practitioners and managers use most, through the real server under simulated users.

    createdb -h 127.0.0.1 -U postgres evenhand_pages
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evenhand_pages .venv/bin/python benchmarks/pages.py

The database must be one you can spare: the script migrates it and, when it holds no staff yet, fills it with
the synthetic generator (``evenhand synth --scale national --seed 1``, about 10 to 20 minutes) and runs
VACUUM ANALYZE; a database already filled is used as it is (``--vacuum`` analyses it again). Staff without a
log-in get one. Needs the ``bench`` extra (Locust): ``pip install -e '.[bench]'``.

It starts the production server (``evenhand serve``: gunicorn, ``--workers`` processes) on 127.0.0.1, signs
in as a practitioner (the largest caseload), an SPO of their team, the head of their PDU and the head of the
largest PDU, and from a second process (Locust, headless) asks for each page:

(a) one request at a time, ``--runs`` times each after three a worker to warm up;
(b) under simulated users who each read a page for 2 to 5 seconds before asking for the next (a page chosen
    at random), stepping the number of users up (``--users``, each step ``--step-seconds`` after a ramp),
    until some page's p95 passes 150 ms (``--keep-going`` runs every step).

For each it prints p50, p95 and p99 in milliseconds and the errors per page, then the load average (the
machine is shared), and ends with the line
``worst page p95 ms one at a time: N; users served at p95 150 ms: N`` (goals: 100 ms or less; 200 users or
more on a 2-core machine). It is a benchmark, not a test.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from national import (
    ROOT,
    build,
    choose,
    configure,
    load_average,
    log_in,
    manager_of,
    percentile,
    vacuum_analyse,
)

LOCUSTFILE = Path(__file__).with_name("pages_locust.py")
EVENHAND = str(Path(sys.executable).with_name("evenhand"))
GOAL_MS = 150


def last_page_number(client, path: str) -> int:
    """The highest ``page=N`` the first page links to (its pagination), 1 if none."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    numbers = [int(n) for n in re.findall(r"[?&]page=(\d+)", response.content.decode())]
    return max(numbers, default=1)


def choose_pages() -> list[dict[str, str]]:
    """Each page to time: a label, the path, and who asks for it (a member of staff)."""
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from evenhand.cases.models import Allocation, Contact
    from evenhand.org.models import Grade, Team
    from evenhand.people.models import Person
    from evenhand.workload.selectors.allocation import allocation_queue

    practitioner, spo, head, caseload = choose()
    largest = Person.objects.values("pdu").annotate(n=Count("pk")).order_by("-n").first()
    team = Team.objects.filter(pdu_id=largest["pdu"]).order_by("pk").first()
    big_head = manager_of(Grade.HEAD_OF_PDU, team, team__pdu_id=largest["pdu"])
    queued = allocation_queue(big_head).first()
    # The person with the longest timeline who is someone's current case, seen by their practitioner.
    long_timeline = None
    for row in Contact.objects.values("person").annotate(n=Count("pk")).order_by("-n")[:50]:
        holder = (
            Allocation.objects.filter(
                sentence__person_id=row["person"], end_date__isnull=True, practitioner__end_date__isnull=True
            )
            .select_related("practitioner")
            .first()
        )
        if holder is not None:
            long_timeline = (row["person"], row["n"], holder.practitioner)
            break
    surname = (
        Person.objects.filter(pdu_id=head.team.pdu_id)
        .values("last_name")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["last_name"]
    )
    cookies: dict[int, str] = {}

    def cookie(staff) -> str:
        if staff.pk not in cookies:
            client = Client()
            client.force_login(log_in(staff))
            cookies[staff.pk] = (
                f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
            )
        return cookies[staff.pk]

    my_cases = reverse("my-cases")
    head_client = Client()
    head_client.force_login(log_in(head))
    head_last = last_page_number(head_client, my_cases)
    spo_client = Client()
    spo_client.force_login(log_in(spo))
    spo_last = last_page_number(spo_client, my_cases)
    pages = [
        (f"My cases, practitioner ({caseload} cases)", my_cases, practitioner),
        ("My cases, SPO", my_cases, spo),
        (f"My cases, SPO, last page ({spo_last})", f"{my_cases}?page={spo_last}", spo),
        ("My cases, head of PDU", my_cases, head),
        (f"My cases, head of PDU, last page ({head_last})", f"{my_cases}?page={head_last}", head),
        ("My cases, head of PDU, sorted by to-do", f"{my_cases}?sort=todo", head),
    ]
    if long_timeline:
        person_id, contacts, viewer = long_timeline
        pages.append(
            (f"Person page ({contacts} contacts)", reverse("person-detail", args=[person_id]), viewer)
        )
    search = reverse("person-search")
    pages += [
        (f"Search '{surname}', practitioner", f"{search}?q={surname}", practitioner),
        (f"Search '{surname}', head of PDU", f"{search}?q={surname}", head),
        ("Allocation queue, largest PDU", reverse("allocation-queue"), big_head),
    ]
    if queued is not None:
        pages.append(("Recommendation, largest PDU", reverse("allocate-case", args=[queued.pk]), big_head))
    pages += [
        ("Team workload, SPO", reverse("team-workload"), spo),
        ("API people, head of PDU", "/api/v1/people", head),
        (f"API people name={surname}", f"/api/v1/people?name={surname}", head),
        ("API contacts outcome=fta_unacceptable", "/api/v1/contacts?outcome=fta_unacceptable", head),
        ("API contacts, head of PDU", "/api/v1/contacts", head),
        ("API sentences active=true", "/api/v1/sentences?active=true", head),
        ("API appointments, practitioner", "/api/v1/appointments", practitioner),
        ("API allocation queue, largest PDU", "/api/v1/allocations/queue", big_head),
    ]
    chosen = []
    checker = Client()
    for label, path, staff in pages:
        checker.force_login(log_in(staff))
        status = checker.get(path).status_code
        if status != 200:
            print(f"  left out (HTTP {status}): {label} {path}", flush=True)
            continue
        chosen.append({"label": label, "path": path, "cookie": cookie(staff)})
    return chosen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [EVENHAND, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("The server stopped as it started (try `evenhand serve` by hand).")
            time.sleep(0.5)
    server.terminate()
    sys.exit("The server did not answer within 2 minutes.")


def locust(
    pages_file: Path, port: int, user_class: str, users: int, seconds: float, extra: dict[str, str]
) -> list[tuple[float, str, float, bool]]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        samples_file = Path(handle.name)
    env = {**os.environ, "PAGES_FILE": str(pages_file), "SAMPLES_FILE": str(samples_file), **extra}
    subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
            "--host", f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(max(users / 10, 1)),
            "--run-time", f"{int(seconds)}s", "--stop-timeout", "10", "--loglevel", "ERROR",
            "--exit-code-on-error", "0", user_class,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )  # fmt: skip
    samples = json.loads(samples_file.read_text())
    samples_file.unlink()
    return [tuple(s) for s in samples]


def report(pages: list[dict[str, str]], samples, since: float = 0.0) -> dict[str, float]:
    """Print p50, p95, p99 and errors of each page; return each page's p95."""
    p95s = {}
    for page in pages:
        times = [ms for when, name, ms, _ in samples if name == page["label"] and when >= since]
        errors = sum(1 for when, name, _, ok in samples if name == page["label"] and when >= since and not ok)
        if not times:
            print(f"    {page['label']}: no requests", flush=True)
            p95s[page["label"]] = float("inf")
            continue
        p95s[page["label"]] = percentile(times, 95)
        print(
            f"    {page['label']}: n {len(times)}, p50 {percentile(times, 50):.0f}, "
            f"p95 {p95s[page['label']]:.0f}, p99 {percentile(times, 99):.0f} ms, errors {errors}",
            flush=True,
        )
        if errors:
            p95s[page["label"]] = float("inf")
    return p95s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", help="synthetic scale when the database is empty")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--runs", type=int, default=30, help="requests per page, one at a time")
    parser.add_argument("--users", default="25,50,100,200,300", help="the steps of simulated users")
    parser.add_argument("--step-seconds", type=float, default=60, help="measured seconds of each step")
    parser.add_argument("--keep-going", action="store_true", help="run every step, even past the goal")
    parser.add_argument("--vacuum", action="store_true", help="VACUUM ANALYZE a database already filled")
    arguments = parser.parse_args()
    configure()

    from django.core.management import call_command
    from django.db import connection

    from evenhand.org.models import StaffMember
    from evenhand.people.models import Person

    call_command("migrate", verbosity=0)
    if not StaffMember.objects.exists():
        build(arguments.scale, arguments.seed)
    elif arguments.vacuum:
        vacuum_analyse()
    print(f"Database: {connection.vendor}, {Person.objects.count():,} people", flush=True)
    pages = choose_pages()
    connection.close()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(pages, handle)
        pages_file = Path(handle.name)
    port = free_port()
    server = start_server(port, arguments.workers)
    served = 0
    try:
        print(f"load average before: {load_average()}", flush=True)
        print(f"(a) one request at a time, {arguments.runs} each ({arguments.workers} gunicorn workers):")
        # Warm each page up in every worker (a worker compiles a template the first time it renders it, about
        # 150 ms): with 4 warm-up requests for 4 workers, the workers a page had missed answered the timed
        # requests' slowest tenth.
        warm = {"RUNS": str(arguments.runs), "WARM": str(3 * arguments.workers)}
        samples = locust(pages_file, port, "OneAtATime", 1, 3600, warm)
        one = report(pages, samples)
        worst = max(one.values())
        print(f"load average: {load_average()}", flush=True)
        for users in [int(n) for n in arguments.users.split(",")]:
            ramp = 10  # users spawned over ten seconds (-r users/10), then measured
            print(f"(b) {users} users, each waiting 2-5 s between pages:", flush=True)
            started = time.time()
            samples = locust(pages_file, port, "Person", users, ramp + arguments.step_seconds, {})
            p95s = report(pages, samples, since=started + ramp)
            print(f"    load average: {load_average()}", flush=True)
            if max(p95s.values()) <= GOAL_MS:
                served = users
            elif not arguments.keep_going:
                break
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        pages_file.unlink()
    print(f"load average after: {load_average()}")
    print(f"worst page p95 ms one at a time: {worst:.0f}; users served at p95 {GOAL_MS} ms: {served}")


if __name__ == "__main__":
    main()
