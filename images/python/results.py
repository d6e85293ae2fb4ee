"""Rich results for the runner: the value of a trailing expression, tables, and charts.

Everything here runs after the user's code, inside the container, and returns plain JSON
data for the result frame. Nothing goes through files or the network.
"""

import ast
import base64
import io
import sys

REPR_LIMIT = 10_000
TABLE_ROWS = 20


def split_last_expression(source, filename):
    """Compiles the snippet as (body, last expression or None), like a notebook cell."""
    tree = ast.parse(source, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    return body, None if last is None else compile(last, filename, "eval")


def describe_value(value):
    """The value as {repr, table?}; None for None (a statement-like call such as print())."""
    if value is None:
        return None
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ is the code's business, not ours
        text = f"<unrepresentable {type(value).__name__}: {exc}>"
    result = {"repr": text[:REPR_LIMIT], "type": type(value).__name__, "reprTruncated": len(text) > REPR_LIMIT}
    table = describe_table(value)
    if table is not None:
        result["table"] = table
    return result


def describe_table(value):
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return None
    if isinstance(value, pandas.Series):
        value = value.to_frame()
    if not isinstance(value, pandas.DataFrame):
        return None
    head = value.head(TABLE_ROWS)
    split = head.to_dict(orient="split")
    return {
        "shape": list(value.shape),
        "columns": [str(c) for c in split["columns"]],
        "index": [str(i) for i in split["index"]],
        "rows": [[json_safe(cell) for cell in row] for row in split["data"]],
        "truncated": len(value) > TABLE_ROWS,
        "html": head.to_html(max_rows=TABLE_ROWS),
        "markdown": to_markdown(head),
    }


def json_safe(cell):
    if cell is None or isinstance(cell, (bool, int, str)):
        return cell
    if isinstance(cell, float):
        if cell != cell:  # NaN: a missing value, as JSON null
            return None
        return cell if abs(cell) != float("inf") else str(cell)
    item = getattr(cell, "item", None)  # numpy scalars
    if callable(item):
        try:
            return json_safe(item())
        except Exception:
            pass
    return str(cell)


def to_markdown(frame):
    """A GitHub-style table, without pandas' optional tabulate dependency."""
    header = [""] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in zip(frame.index, frame.itertuples(index=False)):
        cells = [str(index)] + [str(cell) for cell in row]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def collect_figures(max_figures, max_bytes):
    """Every matplotlib figure still open, as PNG; returns (artifacts, truncated)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return [], False
    artifacts = []
    truncated = False
    used = 0
    for number in pyplot.get_fignums():
        if len(artifacts) >= max_figures:
            truncated = True
            break
        figure = pyplot.figure(number)
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="png")
        except Exception as exc:  # a figure that cannot render is reported, not fatal
            print(f"tinyagent-sandbox: could not render figure {number}: {exc}", file=sys.stderr)
            continue
        data = buffer.getvalue()
        if used + len(data) > max_bytes:
            truncated = True
            continue
        used += len(data)
        width, height = (int(v) for v in figure.get_size_inches() * figure.dpi)
        artifacts.append(
            {
                "type": "image/png",
                "name": f"figure-{number}.png",
                "width": width,
                "height": height,
                "base64": base64.b64encode(data).decode("ascii"),
            }
        )
    return artifacts, truncated
