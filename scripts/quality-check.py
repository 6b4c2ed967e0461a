#!/usr/bin/python3
"""Model quality against scikit-learn on real public data sets, through the HTTP API.

For each of scikit-learn's bundled real data sets (diabetes: regression; breast_cancer, iris, wine:
classification) the script splits the rows once (seeded, 80/20, stratified for classes), uploads the 80 %
to the pipeline as a CSV (POST /api/ingest/upload), waits for its training with the shipped defaults, scores
the 20 % through POST /api/predict/batch and prints the pipeline's score beside scikit-learn's RandomForest and
a linear model (LinearRegression / LogisticRegression on standardized features) fitted on the same 80 %.
Regression is scored by R², classification by accuracy, all on the same 20 %.

Note that the pipeline holds out its own training.holdout_fraction (20 %) of what it is given for its
metrics and promotion, so its model is fitted on fewer rows than scikit-learn's: the comparison is
conservative for the pipeline.

Uses only Debian's Python packages (python3-sklearn); run it with /usr/bin/python3.

  scripts/quality-check.py                      # starts a host (built Release) in a temporary directory
  scripts/quality-check.py --url http://localhost:8000   # uses a running service instead
  options: --datasets diabetes,breast_cancer,iris,wine  --seed 42  --timeout 600
"""

import argparse
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABEL = "target"
LOADERS = {
    "diabetes": (datasets.load_diabetes, "regression"),
    "breast_cancer": (datasets.load_breast_cancer, "classification"),
    "iris": (datasets.load_iris, "classification"),
    "wine": (datasets.load_wine, "classification"),
}


def http(method, url, body=None, content_type="application/json", timeout=60):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def load(name):
    loader, task = LOADERS[name]
    bunch = loader()
    # Features named as scikit-learn names them; a class label as its name ("malignant", "setosa"), so the
    # pipeline infers classification from text labels as it would from a user's CSV.
    columns = [str(c) for c in bunch.feature_names]
    if task == "classification":
        y = [str(bunch.target_names[t]) for t in bunch.target]
    else:
        y = list(bunch.target)
    return columns, bunch.data, y, task


def to_csv(columns, x, y):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns + [LABEL])
    for features, label in zip(x, y):
        writer.writerow([repr(float(v)) for v in features] + [label])
    return out.getvalue().encode()


def train_through_api(url, model, columns, x, y, timeout):
    status, accepted = http("POST", f"{url}/api/ingest/upload?model={model}&label={LABEL}", to_csv(columns, x, y), "text/csv")
    if status != 202:
        raise RuntimeError(f"upload refused ({status}): {accepted}")
    dataset = accepted["dataset_id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, progress = http("GET", f"{url}/api/ingestions/{dataset}")
        if progress and progress.get("state") == "failed":
            raise RuntimeError(f"ingestion failed: {progress}")
        if progress and progress.get("training") == "done":
            status, details = http("GET", f"{url}/api/models/{model}")
            if status == 200 and details.get("current"):
                version = details["current"]["version"]
                _, metadata = http("GET", f"{url}/api/models/{model}/{version}")
                return metadata
            raise RuntimeError(f"training of {model} finished without a promoted version: {details}")
        time.sleep(1)
    raise RuntimeError(f"no trained model for {model} within {timeout} s")


def wait_until_served(url, model, columns, row, timeout=120):
    """Serving loads a promoted version when it reads the promotion event; until then it answers 'not promoted yet'."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, answer = http("POST", f"{url}/api/predict?wait_ms=10000", {"model": model, "features": dict(zip(columns, map(float, row)))})
        if status == 200 and answer["result"]["status"] == "ok":
            return
        time.sleep(1)
    raise RuntimeError(f"serving did not load {model} within {timeout} s")


def predict_through_api(url, model, columns, x):
    wait_until_served(url, model, columns, x[0])
    predictions = []
    for start in range(0, len(x), 500):
        requests = [{"model": model, "features": dict(zip(columns, map(float, row)))} for row in x[start:start + 500]]
        status, answer = http("POST", f"{url}/api/predict/batch?wait_ms=30000", {"requests": requests}, timeout=60)
        if status != 200:
            raise RuntimeError(f"batch prediction answered {status}: {answer}")
        for result in answer["results"]:
            data = result["result"]
            if data["status"] != "ok":
                raise RuntimeError(f"prediction failed: {data}")
            predictions.append(data.get("label", data["prediction"]))
    return predictions


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_host(directory):
    host_dll = os.path.join(REPO, "MlPipeline.Host", "bin", "Release", "net10.0", "MlPipeline.Host.dll")
    if not os.path.exists(host_dll):
        subprocess.run(["dotnet", "build", os.path.join(REPO, "MlPipeline.Host"), "-c", "Release", "-nologo", "-v", "quiet"], check=True)
    port = free_port()
    config = os.path.join(directory, "config.yaml")
    with open(config, "w") as f:
        # Only places and ports differ from the shipped configuration; training runs with its defaults.
        f.write(f"""broker:
  mode: embedded
  port: 0
  data_dir: "{directory}/broker"
http:
  host: 127.0.0.1
  port: {port}
data:
  data_dir: "{directory}/data"
  ingest_sample_on_first_start: false
training:
  data_dir: "{directory}/training"
  models_dir: "{directory}/models"
""")
    log = open(os.path.join(directory, "host.log"), "w")
    process = subprocess.Popen(["dotnet", host_dll, "serve", "--config", config], cwd=directory, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _ = http("GET", f"{url}/api/topics", timeout=5)
            if status == 200:
                return process, url
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if process.poll() is not None:
            raise RuntimeError(f"host exited with {process.returncode}; see {directory}/host.log")
        time.sleep(1)
    process.terminate()
    raise RuntimeError("host did not answer within 120 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running service; default: start one in a temporary directory")
    parser.add_argument("--datasets", default=",".join(LOADERS))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=int, default=600, help="seconds to wait for one training")
    args = parser.parse_args()

    process = None
    directory = None
    url = args.url
    if url is None:
        directory = tempfile.mkdtemp(prefix="quality-check-")
        process, url = start_host(directory)
    failures = 0
    try:
        print(f"| data set | task | rows train/test | metric | pipeline | sklearn RandomForest | sklearn linear | better of the two | pipeline's model (trainer) |")
        print("|---|---|--:|---|--:|--:|--:|---|---|")
        for name in args.datasets.split(","):
            columns, x, y, task = load(name)
            stratify = y if task == "classification" else None
            x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=args.seed, stratify=stratify)
            model = f"qc-{name.replace('_', '-')}-{args.seed}"
            started = time.monotonic()
            metadata = train_through_api(url, model, columns, x_train, y_train, args.timeout)
            seconds = time.monotonic() - started
            predicted = predict_through_api(url, model, columns, x_test)
            if task == "regression":
                ours = r2_score(y_test, [float(p) for p in predicted])
                forest = r2_score(y_test, RandomForestRegressor(random_state=args.seed).fit(x_train, y_train).predict(x_test))
                linear = r2_score(y_test, LinearRegression().fit(x_train, y_train).predict(x_test))
                metric = "R²"
            else:
                ours = accuracy_score(y_test, predicted)
                forest = accuracy_score(y_test, RandomForestClassifier(random_state=args.seed).fit(x_train, y_train).predict(x_test))
                linear = accuracy_score(y_test, make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(x_train, y_train).predict(x_test))
                metric = "accuracy"
            best = max(forest, linear)
            verdict = "met" if ours >= best - 1e-9 else f"below by {best - ours:.4f}"
            failures += ours < best - 1e-9
            training = metadata["training"]
            trainer = training.get("selection", {}).get("winner") or training.get("trainer", {}).get("trainer")
            print(f"| {name} | {training['task'].lower()} | {len(y_train)}/{len(y_test)} | {metric} | {ours:.4f} | {forest:.4f} | {linear:.4f} | {verdict} | {trainer}, trained in {seconds:.0f} s |", flush=True)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
            shutil.rmtree(directory, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
