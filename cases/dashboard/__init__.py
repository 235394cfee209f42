"""Supervisor dashboard, in three parts; import from the part you need:

- `cases.dashboard.figures`: the figures for a filter, computed in the database (with their
  definitions), and their JSON form frozen in recorded figures (FigureSnapshot);
- `cases.dashboard.params`: the canonical filter parameters, drill-downs, period presets and
  the paragraph for the ministry;
- `cases.dashboard.presentation`: what the templates show (cells, rows, the weekly chart);
- `cases.dashboard.as_of`: the figures as known at a past moment (the reference date,
  `known_on`), rebuilt from the transition Events.
"""
