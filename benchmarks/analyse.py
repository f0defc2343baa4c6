"""Benchmark ``evenhand equality analyse`` against an equivalent pandas + statsmodels script (issue 19).

On the same generated files (10,000 and 1,000,000 rows; a group of five ethnicities, three categorical
drivers — tier, sex, offence — and two numeric ones — age and previous convictions; an outcome), each run as
a whole process, several times:

- ``evenhand equality analyse FILE --group ethnicity --reference White --outcome "recalled = 'yes'"
  --adjust tier,sex,offence,age,priors`` (JSON to /dev/null);
- the script a researcher would write: ``pandas.read_csv``, the rates with Wilson intervals
  (``proportion_confint``), relative rates and odds ratios with their intervals and a chi-square test per
  group against the reference (``scipy.stats.chi2_contingency``), Benjamini-Hochberg q-values
  (``multipletests``), and the adjusted model with ``statsmodels.formula.api.logit`` on the same formula
  (``C(ethnicity) + C(tier) + C(sex) + C(offence) + age + priors``), printed as JSON.

Before timing, the two must agree on the adjusted odds ratios (to 1e-6) or the script stops. It prints the
best and the median of the runs, the load average before and after, and ends with the line
``analyse vs statsmodels script at 1M rows: N.N x`` (the script's best over the command's best). The
issue's goals: at least 3 times faster at 1,000,000 rows, and no slower at 10,000; and the command on
10,000 rows with three drivers under 1.5 s on an idle 2-core machine (printed too).

    .venv/bin/python benchmarks/analyse.py [--repeat 5] [--sizes 10000,1000000] [--keep DIR]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
EVENHAND = str(ROOT / ".venv" / "bin" / "evenhand")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DRIVERS = "tier,sex,offence,age,priors"
START_TARGET = 1.5  # seconds: 10,000 rows with three drivers

SCRIPT = r"""
import json, sys
import numpy as np, pandas as pd
import statsmodels.formula.api as smf
from scipy.stats import chi2_contingency
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

frame = pd.read_csv(sys.argv[1])
frame["y"] = (frame["recalled"] == "yes").astype(int)
counts = frame.groupby("ethnicity")["y"].agg(["size", "sum"])
low, high = proportion_confint(counts["sum"], counts["size"], method="wilson")
reference = counts.loc["White"]
rows, p = {}, []
for group, row in counts.iterrows():
    a, b = row["sum"], row["size"] - row["sum"]
    c, d = reference["sum"], reference["size"] - reference["sum"]
    rr = (a / row["size"]) / (c / reference["size"])
    se_rr = np.sqrt(1 / a - 1 / row["size"] + 1 / c - 1 / reference["size"])
    odds = (a * d) / (b * c)
    se_or = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    test = chi2_contingency([[a, b], [c, d]], correction=False)[1] if group != "White" else np.nan
    rows[group] = {"rate": a / row["size"], "rr": rr, "rr_low": rr * np.exp(-1.96 * se_rr),
                   "or": odds, "or_low": odds * np.exp(-1.96 * se_or), "p": test}
    p.append(test)
present = [x for x in p if x == x]
q = iter(multipletests(present, method="fdr_bh")[1])
for row in rows.values():
    row["q"] = next(q) if row["p"] == row["p"] else None
model = smf.logit(
    "y ~ C(ethnicity, Treatment('White')) + C(tier) + C(sex) + C(offence) + age + priors", frame
).fit(disp=0)
adjusted = {name.split("T.")[1].rstrip("]"): float(np.exp(value)) for name, value in model.params.items()
            if name.startswith("C(ethnicity")}
print(json.dumps({"groups": rows, "adjusted": adjusted}, default=float))
"""


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def generate(rows: int, path: Path, seed: int = 19) -> None:
    rng = np.random.default_rng(seed)
    groups = np.array(["White", "Black", "Asian", "Mixed", "Other"])
    group = groups[rng.choice(5, size=rows, p=[0.7, 0.1, 0.1, 0.05, 0.05])]
    tier = rng.choice(list("ABCD"), size=rows)
    sex = rng.choice(["F", "M"], size=rows, p=[0.15, 0.85])
    offence = rng.choice(["violence", "theft", "drugs", "fraud", "other", "motoring"], size=rows)
    age = rng.integers(18, 80, size=rows)
    priors = rng.poisson(np.where(group == "Black", 3.0, 2.0))
    log_odds = (
        -2.0
        + np.select([tier == "C", tier == "D"], [0.5, 1.0], 0.0)
        + 0.08 * priors
        - 0.01 * (age - 40)
        + np.where(group == "Black", 0.25, 0.0)
    )
    recalled = rng.random(rows) < 1 / (1 + np.exp(-log_odds))
    pd.DataFrame(
        {
            "crn": [f"X{i:07d}" for i in range(rows)],
            "ethnicity": group,
            "tier": tier,
            "sex": sex,
            "offence": offence,
            "age": age,
            "priors": priors,
            "recalled": np.where(recalled, "yes", "no"),
        }
    ).to_csv(path, index=False)


def command(path: Path) -> list[str]:
    return [
        EVENHAND,
        "equality",
        "analyse",
        str(path),
        "--group",
        "ethnicity",
        "--reference",
        "White",
        "--outcome",
        "recalled = 'yes'",
        "--adjust",
        DRIVERS,
    ]


def timed(arguments: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(arguments, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def check_agreement(path: Path, script: Path) -> None:
    ours = json.loads(subprocess.run(command(path), check=True, capture_output=True, text=True).stdout)
    theirs = json.loads(
        subprocess.run([PYTHON, str(script), str(path)], check=True, capture_output=True, text=True).stdout
    )
    for row in ours["adjusted"]["groups"]:
        other = theirs["adjusted"].get(row["group"])
        if other is not None and abs(np.log(row["adjusted_odds_ratio"]) - np.log(other)) > 1e-6:
            sys.exit(
                f"the adjusted odds ratios differ for {row['group']}: {row} against {theirs['adjusted']}"
            )
    print(f"  the command and the script agree on the adjusted odds ratios (1e-6) at {path.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--keep", type=Path, help="write the generated files here (and keep them)")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    folder = arguments.keep or Path(tempfile.mkdtemp(prefix="analyse-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "statsmodels_script.py"
    script.write_text(SCRIPT)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; load average before: {load()}")
    ratios: dict[int, float] = {}
    for size in sizes:
        path = folder / f"people-{size}.csv"
        if not path.exists():
            generate(size, path)
        print(
            f"{size:,} rows ({path.stat().st_size / 1e6:.1f} MB), drivers {DRIVERS}, {arguments.repeat} runs each:"
        )
        check_agreement(path, script)
        ours = timed(command(path), arguments.repeat)
        theirs = timed([PYTHON, str(script), str(path)], arguments.repeat)
        print(f"  evenhand equality analyse: best {min(ours):.2f} s, median {statistics.median(ours):.2f} s")
        print(
            f"  pandas + statsmodels script: best {min(theirs):.2f} s, median {statistics.median(theirs):.2f} s"
        )
        ratios[size] = min(theirs) / min(ours)
        print(f"  ratio (script / command): {ratios[size]:.1f} x; load average now: {load()}")
        if size == 10_000:
            three = [*command(path)[:-1], "tier,age,priors"]
            best = min(timed(three, arguments.repeat))
            verdict = "within" if best < START_TARGET else "over"
            print(
                f"  10,000 rows with three drivers (tier, age, priors): best {best:.2f} s, {verdict} the"
                f" {START_TARGET} s goal"
            )
    print(f"load average after: {load()}")
    largest = max(sizes)
    label = "1M" if largest == 1_000_000 else f"{largest:,}"
    print(f"analyse vs statsmodels script at {label} rows: {ratios[largest]:.1f} x")


if __name__ == "__main__":
    main()
