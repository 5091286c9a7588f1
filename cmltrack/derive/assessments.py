"""ELN assessments of a whole cohort at once (numpy): clinical.timeline.assess (and its Course) for every patient.

The rules and their numbers are clinical.timeline's (milestone windows, the results each milestone and the latest
classification read, the ELN 2020 3-month confirmation, responses never reached, standing losses, genetic findings)
and milestones.py's rows; tests/unit/test_derivation_equivalence.py checks that this gives what timeline.assess gives,
patient by patient, on random courses and on whole cohorts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cmltrack.clinical import milestones
from cmltrack.clinical.genetics import Finding, status
from cmltrack.clinical.milestones import RULES, Band, bcr_equivalent
from cmltrack.clinical.timeline import (
    CONFIRM_ABOVE,
    CONFIRM_WITHIN,
    LATEST_MAX_AGE,
    STANDING_LOSSES,
    SUPERSEDES_MARROW_AT,
    TARGET,
    WINDOW_AFTER,
    WINDOW_BEFORE,
)
from cmltrack.clinical.units import MONTH_DAYS
from cmltrack.clinical.validate import LIMITS

TESTS = ("bcr", "ph", "chr")
#: The columns of `Cohort.assess`.
COLUMNS = ("patient_id", "milestone", "date", "months", "category", "bcr_abl1_is_pct", "ph_pos_pct", "chr")
_EPOCH = dt.date(1970, 1, 1)
_KEY = 10**8  # patient code * _KEY + day number: one sortable key (day numbers stay far below 10**7)


def _days(dates: np.ndarray) -> np.ndarray:
    """Day numbers since 1970 of dates (datetime.date objects, or datetime64)."""
    if dates.dtype == object:
        return np.array(dates, dtype="datetime64[D]").astype(np.int64)
    return dates.astype("datetime64[D]").astype(np.int64)


def _last_per_group(groups: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group, its last position) for positions in ascending order."""
    if not len(groups):
        return groups, positions
    last = np.r_[groups[1:] != groups[:-1], True]
    return groups[last], positions[last]


class Cohort:
    """Patients' classified visits on their TKI lines: the results each milestone reads are picked once, whatever
    the guideline.

    ``visits``: columns patient_id, date, chr (True / False / None), cyto (None: no cytogenetic result), ph_value
    and bcr (NaN: none), each patient's rows together and in date order; ``starts``: each patient's TKI line start
    (visits of patients without one are not assessed).
    """

    def __init__(self, visits: pd.DataFrame, starts: Mapping[str, dt.date]) -> None:
        ids = visits["patient_id"].to_numpy(dtype=object)
        visits = visits[pd.Index(list(starts), dtype=object).get_indexer(ids) >= 0]
        codes, self.patients = pd.factorize(visits["patient_id"].to_numpy(dtype=object), sort=False)
        self.code = codes.astype(np.int64)
        self.start_day = _days(np.array([starts[p] for p in self.patients], dtype=object))
        self.epoch_day = _days(visits["date"].to_numpy()) if len(visits) else np.zeros(0, np.int64)
        self.day = self.epoch_day - self.start_day[self.code]
        self.months = self.day / MONTH_DAYS
        self.bcr = visits["bcr"].to_numpy(dtype=float)
        self.ph = visits["ph_value"].to_numpy(dtype=float)
        chr_ = visits["chr"].to_numpy(dtype=object)
        self.chr = np.where(chr_ == True, 1, np.where(chr_ == False, 0, -1)).astype(np.int8)  # noqa: E712
        self.has = {"bcr": ~np.isnan(self.bcr), "ph": visits["cyto"].notna().to_numpy(), "chr": self.chr >= 0}
        self._nearest: dict[float, dict[str, np.ndarray]] = {}
        self._latest: tuple[dict[str, np.ndarray], np.ndarray] | None = None

    def _none(self) -> np.ndarray:
        return np.full(len(self.patients), -1, dtype=np.int64)

    def nearest(self, m: float) -> dict[str, np.ndarray]:
        """For each test, per patient, the row of the result nearest to month ``m`` in its window (-1: none)."""
        if m not in self._nearest:
            off = self.months - m
            inside = (off >= -WINDOW_BEFORE) & (off <= WINDOW_AFTER)
            picked = {}
            for test in TESTS:
                rows = np.flatnonzero(inside & self.has[test])
                order = np.lexsort((rows, np.abs(off[rows]), self.code[rows]))  # nearest, then earliest
                groups = self.code[rows][order]
                first = np.r_[True, groups[1:] != groups[:-1]] if len(groups) else np.zeros(0, dtype=bool)
                picked[test] = self._none()
                picked[test][groups[first]] = rows[order][first]
            self._nearest[m] = picked
        return self._nearest[m]

    def latest(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """For each test, per patient, the row of its newest result no older than LATEST_MAX_AGE before the last
        result (-1: none), and the day of that last result (since the start; -1 rows: no result)."""
        if self._latest is None:
            any_result = np.flatnonzero(self.has["bcr"] | self.has["ph"] | self.has["chr"])
            groups, rows = _last_per_group(self.code[any_result], any_result)
            last = self._none()
            last[groups] = rows
            last_day = np.where(last >= 0, self.day[np.maximum(last, 0)], 0) if len(self.day) else last
            age = (last_day[self.code] - self.day) / MONTH_DAYS
            picked = {}
            for test in TESTS:
                rows = np.flatnonzero(self.has[test] & (last[self.code] >= 0) & (age >= 0)
                                      & (age <= LATEST_MAX_AGE[test]))
                groups, found = _last_per_group(self.code[rows], rows)
                picked[test] = self._none()
                picked[test][groups] = found
            bcr, ph = picked["bcr"], picked["ph"]
            superseded = (ph >= 0) & (bcr >= 0)
            superseded[superseded] = (self.day[bcr[superseded]] > self.day[ph[superseded]]) \
                & (self.bcr[bcr[superseded]] <= SUPERSEDES_MARROW_AT)
            ph[superseded] = -1  # a later BCR::ABL1 <= 1% supersedes an older marrow
            self._latest = picked, np.where(last >= 0, last_day, -1)
        return self._latest

    def assess(self, guideline: str, events: pd.DataFrame,
               genetics: Mapping[str, Sequence[Finding]] | None = None) -> pd.DataFrame:
        """The assessments under ``guideline`` (columns COLUMNS; per patient, the milestones in order, then the
        latest), from ``events``: patient_id, date, kind, as timeline.course_events gives them for each patient
        (its order kept)."""
        timed = milestones.timed_milestones(guideline)
        parts = []
        for k, m in enumerate(timed):
            picked = self.nearest(m)
            who = np.flatnonzero((picked["bcr"] >= 0) | (picked["ph"] >= 0) | (picked["chr"] >= 0))
            parts.append((who, k, np.full(len(who), float(m)), np.full(len(who), float(m)),
                          {t: picked[t][who] for t in TESTS}))
        picked, last_day = self.latest()
        at = last_day / MONTH_DAYS
        # milestones.milestone: no row before the first window, nor past its plausible limit (validate.LIMITS)
        who = np.flatnonzero((last_day >= 0) & (at >= timed[0] - WINDOW_BEFORE)
                             & (at <= LIMITS["months"]))
        reached = np.select([at[who] > timed[-1] + WINDOW_AFTER]
                            + [at[who] >= m - WINDOW_BEFORE for m in reversed(timed)],
                            [milestones.ANY_TIME, *reversed(timed)], np.nan)
        parts.append((who, len(timed), at[who], reached, {t: picked[t][who] for t in TESTS}))
        who = np.concatenate([p[0] for p in parts])
        order_in_patient = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
        at = np.concatenate([p[2] for p in parts])
        reached = np.concatenate([p[3] for p in parts])
        rows = {t: np.concatenate([p[4][t] for p in parts]) for t in TESTS}
        return self._classify(guideline, timed, who, order_in_patient, at, reached, rows, events, genetics or {})

    def _values(self, rows: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        def take(values: np.ndarray, row: np.ndarray, missing: float) -> np.ndarray:
            return np.where(row >= 0, values[np.maximum(row, 0)] if len(values) else missing, missing)

        return take(self.bcr, rows["bcr"], np.nan), take(self.ph, rows["ph"], np.nan), \
            take(self.chr, rows["chr"], -1).astype(np.int8)

    def _classify(self, guideline: str, timed: list[float], who: np.ndarray, order: np.ndarray, at: np.ndarray,
                  reached: np.ndarray, rows: dict[str, np.ndarray], events: pd.DataFrame,
                  genetics: Mapping[str, Sequence[Finding]]) -> pd.DataFrame:
        bcr, ph, chr_ = self._values(rows)
        severity = row_severities(guideline, reached, bcr, ph, chr_)
        keep = severity >= 0  # none of the milestone's tests was done near it: no assessment
        who, order, at, reached, bcr, ph, chr_, severity = (
            x[keep] for x in (who, order, at, reached, bcr, ph, chr_, severity))
        rows = {t: r[keep] for t, r in rows.items()}
        latest = order == len(timed)
        # the date: the newest result used (latest), else the result nearest the milestone (bcr, ph, chr on a tie)
        days = np.stack([np.where(rows[t] >= 0, self.day[np.maximum(rows[t], 0)] if len(self.day) else 0, -1)
                         for t in TESTS])
        gap = np.where(days >= 0, np.abs(days / MONTH_DAYS - at), np.inf)
        nearest = days[np.argmin(gap, axis=0), np.arange(len(at))] if len(at) else np.zeros(0, np.int64)
        day = np.where(latest, days.max(axis=0) if len(at) else 0, nearest)

        failure = milestones.severity(milestones.FAILURE)
        if guideline in ("ELN2020", "ELN2025"):
            severity = np.maximum(severity, np.where(self._confirmed_above(reached, bcr, rows["bcr"], who),
                                                     failure, -1))
        ev_code, ev_day, ev_kind = self._events(events)
        anytime = reached == milestones.ANY_TIME
        nothing = {"bcr": np.full(len(at), np.nan), "ph": np.full(len(at), np.nan),
                   "chr": np.full(len(at), -1, dtype=np.int8)}
        values = {"bcr": bcr, "ph": ph, "chr": chr_}
        last = np.full(len(at), float(timed[-1]))
        for test, given in (("bcr", ~np.isnan(bcr)), ("ph", ~np.isnan(ph)), ("chr", chr_ >= 0)):
            # a test whose response was never reached keeps the last milestone's criterion ("any time" rows)
            never = anytime & given & ~self._reached_by(who, day, ev_code, ev_day, ev_kind, TARGET[test])
            alone = dict(nothing, **{test: np.where(never, values[test], nothing[test])})
            severity = np.maximum(severity, row_severities(guideline, last, **alone))
        for loss, (family, categories) in STANDING_LOSSES.items():
            if guideline in categories:
                standing = self._last_of_family(who, day, ev_code, ev_day, ev_kind, family) == loss
                severity = np.maximum(severity, np.where(standing, milestones.severity(categories[guideline]), -1))
        starts = self.start_day[who]
        dates = pd.to_datetime(starts + day, unit="D").date if len(who) else np.zeros(0, dtype=object)
        if genetics:
            for i in np.flatnonzero(np.isin(self.patients[who], list(genetics))):
                findings = genetics[self.patients[who[i]]]
                start = _EPOCH + dt.timedelta(days=int(starts[i]))
                found = status(findings, dates[i], start)
                for category in milestones.genetic_categories(guideline, found.mutations, found.aca_high_risk,
                                                              found.aca_other, found.aca_ph_negative):
                    severity[i] = max(severity[i], milestones.severity(category))
        names = np.array([str(int(m)) for m in timed] + ["latest"], dtype=object)
        distinct, where = np.unique(day, return_inverse=True)
        months = np.array([round(d / MONTH_DAYS, 2) for d in distinct.tolist()], dtype=float)[where.reshape(-1)]
        out = pd.DataFrame({
            "patient_id": self.patients[who], "milestone": names[order], "date": dates,
            "months": months, "category": np.array(milestones.SEVERITY_ORDER)[severity],
            "bcr_abl1_is_pct": bcr, "ph_pos_pct": ph,
            "chr": np.where(chr_ == 1, True, np.where(chr_ == 0, False, None)).astype(object),
        })
        out = out.astype({"milestone": object, "category": object})
        return out.iloc[np.lexsort((order, who))].reset_index(drop=True)

    def _confirmed_above(self, reached: np.ndarray, bcr: np.ndarray, bcr_rows: np.ndarray,
                         who: np.ndarray) -> np.ndarray:
        """At 3 months, > 10% followed within 1-3 months by another result > 10%."""
        asked = np.flatnonzero((reached == 3) & (bcr > CONFIRM_ABOVE))
        out = np.zeros(len(reached), dtype=bool)
        if not len(asked):
            return out
        high = np.flatnonzero(self.has["bcr"] & (self.bcr > CONFIRM_ABOVE))
        pairs = pd.DataFrame({"i": asked, "code": who[asked], "sampled": self.day[bcr_rows[asked]]}).merge(
            pd.DataFrame({"code": self.code[high], "later": self.day[high]}), on="code")
        gap = (pairs["later"] - pairs["sampled"]) / MONTH_DAYS
        low, high_gap = CONFIRM_WITHIN
        out[pairs.loc[(gap >= low) & (gap <= high_gap + 1e-9), "i"].to_numpy()] = True
        return out

    def _events(self, events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The events of the patients assessed: their codes, days since the start, kinds, by patient and date (the
        given order kept on a day)."""
        index = pd.Index(self.patients)
        code = index.get_indexer(events["patient_id"].to_numpy(dtype=object)) if len(events) \
            else np.zeros(0, np.int64)
        known = code >= 0
        code = code[known].astype(np.int64)
        day = _days(events["date"].to_numpy()[known]) - self.start_day[code] if known.any() \
            else np.zeros(0, np.int64)
        kind = events["kind"].to_numpy(dtype=object)[known]
        order = np.lexsort((np.arange(len(code)), day, code))
        return code[order], day[order], kind[order]

    @staticmethod
    def _position(who: np.ndarray, day: np.ndarray, ev_code: np.ndarray, ev_day: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray]:
        """For each assessment, the index of the last event of its patient on or before its day (valid where the
        second array is True)."""
        keys = ev_code * _KEY + ev_day
        idx = np.searchsorted(keys, who * _KEY + day, side="right") - 1
        valid = idx >= 0
        valid[valid] = ev_code[idx[valid]] == who[valid]
        return idx, valid

    def _reached_by(self, who: np.ndarray, day: np.ndarray, ev_code: np.ndarray, ev_day: np.ndarray,
                    ev_kind: np.ndarray, kind: str) -> np.ndarray:
        """Whether each assessment's patient had reached ``kind`` by its day."""
        sel = ev_kind == kind
        codes, days = ev_code[sel], ev_day[sel]
        first = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, dtype=bool)
        idx, valid = self._position(who, day, codes[first], days[first])
        return valid

    def _last_of_family(self, who: np.ndarray, day: np.ndarray, ev_code: np.ndarray, ev_day: np.ndarray,
                        ev_kind: np.ndarray, family: tuple[str, ...]) -> np.ndarray:
        """The kind of each patient's last event of ``family`` on or before the assessment's day (None: none)."""
        sel = np.isin(ev_kind, family)
        idx, valid = self._position(who, day, ev_code[sel], ev_day[sel])
        kinds = ev_kind[sel]
        return np.where(valid, kinds[np.maximum(idx, 0)] if len(kinds) else None, None)


def _band_severity(values: np.ndarray, bands: tuple[Band, ...], above: str) -> np.ndarray:
    """milestones._band of each value, as a severity."""
    conditions = [(values < upper) | ((values == upper) if inclusive else False) for upper, inclusive, _ in bands]
    return np.select(conditions, [milestones.severity(c) for _, _, c in bands], milestones.severity(above))


def row_severities(guideline: str, reached: np.ndarray, bcr: np.ndarray, ph: np.ndarray,
                   chr: np.ndarray) -> np.ndarray:
    """milestones.row_categories of many results at once, reduced to the severity of their worst (-1 where the row
    has no criterion for any result given). ``reached``: each one's milestone (a key of RULES[guideline]); ``bcr``,
    ``ph``: floats, NaN when not given; ``chr``: 1 / 0, -1 when not given."""
    out = np.full(len(reached), -1, dtype=np.int8)
    has_bcr, has_ph, has_chr = ~np.isnan(bcr), ~np.isnan(ph), chr >= 0
    for key in np.unique(reached):
        row, here = RULES[guideline][key], reached == key
        if row.bcr_above is not None:
            rows = here & has_bcr
            out[rows] = np.maximum(out[rows], _band_severity(bcr[rows], row.bcr, row.bcr_above))
            if row.ph_above is None and guideline in ("ELN2020", "ELN2025"):  # patients monitored by marrow only
                rows = here & ~has_bcr & has_ph
                equivalent = np.array([bcr_equivalent(float(x)) for x in ph[rows]], dtype=float)
                out[rows] = np.maximum(out[rows], _band_severity(equivalent, row.bcr, row.bcr_above))
        if row.ph_above is not None:
            rows = here & has_ph
            out[rows] = np.maximum(out[rows], _band_severity(ph[rows], row.ph, row.ph_above))
        if row.no_chr is not None:
            rows = here & has_chr
            out[rows] = np.maximum(out[rows], np.where(chr[rows] == 1, milestones.severity(milestones.OPTIMAL),
                                                       milestones.severity(row.no_chr)))
    return out
