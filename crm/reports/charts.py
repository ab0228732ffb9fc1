"""The charts of the monitoring page and the report, drawn server-side with matplotlib (Agg backend,
no display): PNG bytes from a `figures.Chart`, German labels and numbers.

matplotlib (with numpy, about 60 MB) is imported when the first chart is drawn, not when the app starts:
every app process and worker would carry it otherwise, and a streamed export of 100,000 persons would start
from 160 MB instead of 100 MB."""
from __future__ import annotations

import io
import textwrap
import threading
from functools import cache

from crm.core.formatting import whole_number

COLOURS = ["#2f6f4f", "#d08c2c", "#3f6fb5", "#a23b72", "#6c757d"]
_LOCK = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


@cache
def _matplotlib():
    """(Figure, FuncFormatter, MaxNLocator), matplotlib imported on first use with the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    return Figure, FuncFormatter, MaxNLocator


def _german(value, _pos=None) -> str:
    if abs(value - round(value)) < 1e-9:
        return whole_number(int(round(value)))
    return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")


def png(chart, width: float = 7.5, height: float | None = None, dpi: int = 110) -> bytes:
    """The chart as PNG; an empty chart says so in the picture."""
    rows = len(chart.categories)
    if height is None:
        height = max(3.2, min(9.0, 0.42 * rows + 1.4)) if chart.kind == "barh" else 3.6
    Figure, FuncFormatter, MaxNLocator = _matplotlib()
    with _LOCK:
        fig = Figure(figsize=(width, height), dpi=dpi)
        ax = fig.add_subplot(1, 1, 1)
        ax.set_title(chart.title, fontsize=11, loc="left")
        if chart.empty:
            ax.text(0.5, 0.5, "Keine Daten in diesem Zeitraum", ha="center", va="center", fontsize=11,
                    color="#6c757d", transform=ax.transAxes)
            ax.set_axis_off()
        elif chart.kind == "line":
            xs = list(range(rows))
            for i, (name, values) in enumerate(chart.series):
                ax.plot(xs, values, marker="o" if rows <= 40 else None, markersize=3, linewidth=1.8,
                        color=COLOURS[i % len(COLOURS)], label=name)
            step = max(1, rows // 12)
            ax.set_xticks(xs[::step])
            ax.set_xticklabels(chart.categories[::step], rotation=45 if rows > 6 else 0, ha="right" if rows > 6
                               else "center", fontsize=8)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(fontsize=8, frameon=False, loc="best")
            ax.set_xlabel(chart.category_label, fontsize=9)
        else:
            n = len(chart.series)
            band = 0.8 / n
            labels = [textwrap.shorten(c, 38, placeholder="…") for c in chart.categories]
            for i, (name, values) in enumerate(chart.series):
                pos = [k - 0.4 + band * (i + 0.5) for k in range(rows)]
                if chart.kind == "barh":
                    ax.barh(pos, values, height=band, color=COLOURS[i % len(COLOURS)], label=name)
                else:
                    ax.bar(pos, values, width=band, color=COLOURS[i % len(COLOURS)], label=name)
            whole = all(isinstance(v, int) for _name, values in chart.series for v in values)
            (ax.xaxis if chart.kind == "barh" else ax.yaxis).set_major_locator(MaxNLocator(integer=whole))
            if chart.kind == "barh":
                ax.set_yticks(range(rows))
                ax.set_yticklabels(labels, fontsize=8)
                ax.invert_yaxis()
                ax.xaxis.set_major_formatter(FuncFormatter(_german))
            else:
                ax.set_xticks(range(rows))
                ax.set_xticklabels(labels, rotation=30 if rows > 3 else 0, ha="right" if rows > 3 else "center",
                                   fontsize=8)
                ax.yaxis.set_major_formatter(FuncFormatter(_german))
            if n > 1:
                ax.legend(fontsize=8, frameon=False)
        if not chart.empty:
            ax.tick_params(labelsize=8)
            ax.grid(axis="x" if chart.kind == "barh" else "y", color="#e5e5e5")
            ax.set_axisbelow(True)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            if chart.kind == "line":
                ax.yaxis.set_major_formatter(FuncFormatter(_german))
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
