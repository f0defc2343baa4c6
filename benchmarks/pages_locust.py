"""The Locust users of ``benchmarks/pages.py`` (run by it, in a process of its own: ``locust -f`` this file).

The pages come from the JSON file ``PAGES_FILE`` names: a label, a path and the session cookie of the member
of staff who asks for it. Every request is recorded (when, which page, milliseconds, whether it was a 200) in
``SAMPLES_FILE`` when the run stops, so that the benchmark works out exact percentiles itself.

- ``OneAtATime``: one user going through the pages in turn, ``RUNS`` times each after a few to warm up,
  without pause, then stopping.
- ``Person``: a member of staff at work, asking for a page chosen at random and reading it for 2 to 5
  seconds before the next.
"""

import json
import os
import random
import time
from pathlib import Path

from locust import FastHttpUser, between, constant, events, task

PAGES = json.loads(Path(os.environ["PAGES_FILE"]).read_text(encoding="utf-8"))
RUNS = int(os.environ.get("RUNS", "30"))
WARM = int(os.environ.get("WARM", "4"))
SAMPLES: list[tuple[float, str, float, bool]] = []


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    if not name.startswith("warm:"):
        SAMPLES.append((time.time(), name, response_time, exception is None))


@events.quitting.add_listener
def save(environment, **kwargs):
    with open(os.environ["SAMPLES_FILE"], "w", encoding="utf-8") as out:
        json.dump(SAMPLES, out)


class Staff(FastHttpUser):
    abstract = True

    def get(self, page: dict, name: str) -> None:
        with self.client.get(
            page["path"],
            headers={"Cookie": page["cookie"]},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class OneAtATime(Staff):
    wait_time = constant(0)

    @task
    def every_page(self) -> None:
        for page in PAGES:
            for _ in range(WARM):
                self.get(page, f"warm:{page['label']}")
            for _ in range(RUNS):
                self.get(page, page["label"])
        self.environment.runner.quit()


class Person(Staff):
    wait_time = between(2, 5)

    @task
    def a_page(self) -> None:
        page = random.choice(PAGES)
        self.get(page, page["label"])
