"""The reports' PNG charts (matplotlib, no display needed)."""

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SHOP_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b")


def throughput_bars(
    path: Path,
    *,
    scenarios: Sequence[str],
    variants: Sequence[str],
    shop: dict[tuple[str, str], float],
    baseline: dict[tuple[str, str], float],
    title: str,
) -> None:
    """Per scenario: for each variant the shop's req/s and, beside it (hatched, paler), the
    baseline's measured next to it; the shop's bars carry the ratio to that baseline."""
    bars = [(variant, side) for variant in variants for side in ("shop", "baseline")]
    width = 0.8 / len(bars)
    figure, axes = plt.subplots(figsize=(max(7.0, 2.6 * len(scenarios)), 4.8))
    for index, (variant, side) in enumerate(bars):
        values = [
            (shop if side == "shop" else baseline).get((scenario, variant), 0.0)
            for scenario in scenarios
        ]
        positions = [s + (index - (len(bars) - 1) / 2) * width for s in range(len(scenarios))]
        colour = SHOP_COLOURS[variants.index(variant) % len(SHOP_COLOURS)]
        if side == "shop":
            drawn = axes.bar(positions, values, width, label=f"shop, {variant}", color=colour)
            ratios = [
                value / baseline[(scenario, variant)]
                if baseline.get((scenario, variant))
                else float("nan")
                for scenario, value in zip(scenarios, values, strict=True)
            ]
            labels = [f"{v:.0f}\nx{r:.2f}" for v, r in zip(values, ratios, strict=True)]
        else:
            drawn = axes.bar(
                positions,
                values,
                width,
                label=f"baseline, beside {variant}",
                color=colour,
                alpha=0.3,
                edgecolor=colour,
                hatch="//",
            )
            labels = [f"{v:.0f}" for v in values]
        axes.bar_label(drawn, labels=labels, fontsize=7, padding=2)
    axes.set_xticks(range(len(scenarios)), [s.replace(", ", ",\n") for s in scenarios])
    axes.set_ylabel("requests per second (x: shop / baseline)")
    axes.margins(y=0.15)
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8, loc="upper right")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def soak_lines(
    path: Path,
    *,
    minutes: Sequence[float],
    backends: Sequence[int],
    rss_mib: Sequence[float],
    title: str,
) -> None:
    """Postgres client backends and summed RSS over the soak, one panel each."""
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
    top.plot(minutes, backends, marker="o", markersize=3, color=SHOP_COLOURS[0])
    top.set_ylabel("client backends")
    top.set_ylim(bottom=0, top=max([*backends, 1]) * 1.25)
    top.grid(alpha=0.3)
    bottom.plot(minutes, rss_mib, marker="o", markersize=3, color=SHOP_COLOURS[1])
    bottom.set_ylabel("Postgres RSS, MiB (summed)")
    bottom.set_ylim(bottom=0, top=max([*rss_mib, 1.0]) * 1.25)
    bottom.set_xlabel("minutes into the soak")
    bottom.grid(alpha=0.3)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
