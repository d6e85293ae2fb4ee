# Runs inside a fresh, network-less container: `make run` executes this file.
import statistics
from collections import Counter

import numpy as np
import pandas as pd

words = "the quick brown fox jumps over the lazy dog the end".split()
print("most common:", Counter(words).most_common(2))
print("mean word length:", statistics.mean(len(w) for w in words))

frame = pd.DataFrame({"x": np.arange(5), "y": np.arange(5) ** 2})
print(frame.describe().loc[["mean", "max"]])
