# A typical agent task: summarise a small data set, draw a chart, end on the table.
# Run it: npx tinyagent-sandbox run --out ./analysis examples/data-analysis.py
# The table comes back as the result's value (shape, columns, rows, HTML and markdown) and the
# chart as a PNG in `artifacts`: no file access needed (docs/results.md).
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
months = pd.period_range("2026-01", periods=12, freq="M").astype(str)
sales = pd.DataFrame(
    {
        "month": np.tile(months, 3),
        "region": np.repeat(["north", "south", "west"], 12),
        "amount": rng.integers(80, 200, size=36),
    }
)

by_region = sales.pivot_table(index="month", columns="region", values="amount", aggfunc="sum")
print("best month per region:", by_region.idxmax().to_dict())

ax = by_region.plot(title="Monthly sales by region", figsize=(8, 4), marker="o")
ax.set_ylabel("amount")
plt.xticks(rotation=45)
plt.tight_layout()

summary = sales.groupby("region")["amount"].agg(["sum", "mean", "max"]).round(1)
summary
