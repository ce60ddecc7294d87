"""Shared colours and layout so every chart reads the same way."""

from __future__ import annotations

import plotly.graph_objects as go

REFERENCE = "#4C78A8"  # blue
CURRENT = "#F58518"  # orange
FONT = dict(family="Inter, 'Source Sans Pro', sans-serif", size=13)


def base_layout(fig: go.Figure, *, title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
        font=FONT,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        template="plotly_white",
    )
    return fig
