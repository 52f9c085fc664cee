"""The back office's daily chart, as geometry for an inline SVG (server-rendered, no script,
nothing fetched): money taken above the zero line, refunds below it, net as a line."""

from dataclasses import dataclass

from config.money import money_display
from payments.selectors import DayTotals

WIDTH, HEIGHT, PAD, LABEL_SPACE = 720, 240, 16, 64


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class DailyChart:
    currency: str
    width: int
    height: int
    baseline: float
    gross_bars: list[Bar]
    refund_bars: list[Bar]
    net_points: str
    """SVG polyline points, "x,y x,y ..."."""
    day_labels: list[Label]
    scale_labels: list[Label]
    gross_total: str
    refunds_total: str
    net_total: str


def daily_chart(*, currency: str, days: list[DayTotals]) -> DailyChart:
    top = max([d.gross for d in days] + [d.net for d in days] + [0])
    bottom = max([d.refunds for d in days] + [-d.net for d in days] + [0])
    scale = (HEIGHT - 2 * PAD) / ((top + bottom) or 1)
    baseline = PAD + top * scale
    step = (WIDTH - LABEL_SPACE - PAD) / max(len(days), 1)
    bar_width = step * 0.7

    def money(amount: int) -> str:
        return money_display(amount, currency)

    gross_bars, refund_bars, points, day_labels = [], [], [], []
    for index, day in enumerate(days):
        x = LABEL_SPACE + index * step + (step - bar_width) / 2
        when = day.day.isoformat()
        gross_bars.append(
            Bar(x, baseline - day.gross * scale, bar_width, day.gross * scale,
                f"{when}: taken {money(day.gross)}")
        )  # fmt: skip
        refund_bars.append(
            Bar(x, baseline, bar_width, day.refunds * scale,
                f"{when}: refunded {money(day.refunds)}")
        )  # fmt: skip
        points.append(f"{x + bar_width / 2:.1f},{baseline - day.net * scale:.1f}")
        if index % 7 == 0 or index == len(days) - 1:
            day_labels.append(Label(x + bar_width / 2, HEIGHT + 14, day.day.strftime("%b %d")))
    scale_labels = [
        Label(LABEL_SPACE - 6, PAD + 4, money(top)),
        Label(LABEL_SPACE - 6, baseline + 4, money(0)),
    ]
    if bottom:
        scale_labels.append(Label(LABEL_SPACE - 6, HEIGHT - PAD + 4, money(-bottom)))
    return DailyChart(
        currency=currency.upper(),
        width=WIDTH,
        height=HEIGHT + 24,
        baseline=baseline,
        gross_bars=gross_bars,
        refund_bars=refund_bars,
        net_points=" ".join(points),
        day_labels=day_labels,
        scale_labels=scale_labels,
        gross_total=money(sum(d.gross for d in days)),
        refunds_total=money(sum(d.refunds for d in days)),
        net_total=money(sum(d.net for d in days)),
    )
