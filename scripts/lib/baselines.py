"""The baselines of `scripts/eval --baselines`: five classical detectors on exactly the splits vaewatch gets.

Reads one request a line on stdin, `TRAIN_CSV TEST_CSV SEED`, and answers each with one line on stdout,
`IsolationForest=A kNN=A LOF=A HBOS=A ECOD=A` (A: the test AUROC, `nan` when the test part has one class), or
`error: WHAT` when a split cannot be read. Loading scikit-learn and PyOD takes seconds, so one process serves every
split of a run.

The detectors, with the defaults the suite's README measured: scikit-learn IsolationForest (seeded) and
LocalOutlierFactor (novelty mode, 20 neighbours); PyOD KNN (distance to the 5th neighbour), HBOS and ECOD. Each
is fitted on the training rows standardized with their own mean and standard deviation (a constant feature keeps
scale 1), and scores the test rows standardized alike; higher means more anomalous. The `label` column is never a
feature.
"""

import sys
import warnings

import numpy as np
from pyod.models.ecod import ECOD
from pyod.models.hbos import HBOS
from pyod.models.knn import KNN
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor

DETECTORS = ["IsolationForest", "kNN", "LOF", "HBOS", "ECOD"]


def read_split(path):
    """The features [n, d] and labels [n] of a split CSV with a header and a `label` column."""
    with open(path, encoding="utf-8") as file:
        header = file.readline().rstrip("\r\n").split(",")
    names = [name.strip().strip('"') for name in header]
    if "label" not in names:
        raise ValueError(f"{path}: no label column in the header")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, dtype=np.float64)
    label = names.index("label")
    features = np.delete(data, label, axis=1)
    return features, data[:, label]


def scores(name, train, test, seed):
    """The test rows' anomaly scores (higher: more anomalous) of detector `name` fitted on `train`."""
    if name == "IsolationForest":
        model = IsolationForest(random_state=seed).fit(train)
        return -model.score_samples(test)
    if name == "LOF":
        model = LocalOutlierFactor(novelty=True, n_neighbors=min(20, len(train) - 1)).fit(train)
        return -model.score_samples(test)
    if name == "kNN":
        model = KNN(n_neighbors=min(5, len(train) - 1))
    elif name == "HBOS":
        model = HBOS()
    else:
        model = ECOD()
    model.fit(train)
    return model.decision_function(test)


def answer(line):
    """The reply to one request line."""
    train_path, test_path, seed = line.split()
    train, _ = read_split(train_path)
    test, labels = read_split(test_path)
    mean = train.mean(axis=0)
    scale = train.std(axis=0)
    scale[scale == 0] = 1
    train = (train - mean) / scale
    test = (test - mean) / scale
    figures = []
    for name in DETECTORS:
        if labels.min() == labels.max():
            figures.append(f"{name}=nan")
            continue
        figures.append(f"{name}={roc_auc_score(labels, scores(name, train, test, int(seed))):.6f}")
    return " ".join(figures)


def main():
    warnings.filterwarnings("ignore")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = answer(line)
        except Exception as error:  # Any failure is the caller's to report, with what it was.
            reply = f"error: {type(error).__name__}: {error}".replace("\n", " ")
        print(reply, flush=True)


if __name__ == "__main__":
    main()
