"""The cohort filters in the sidebar: the same on every page, kept in the URL query string."""

from __future__ import annotations

import math
from collections.abc import Mapping

import streamlit as st

from cmltrack.clinical import explain
from cmltrack.clinical.explain import guideline_label
from cmltrack.clinical.milestones import GUIDELINES, UNVERIFIED
from cmltrack.cohorts.demo import DEMO_SOURCE
from cmltrack.db.connection import Connection
from cmltrack.db.filters import BEST_RESPONSES, EUTOS_GROUPS, PHASES, SEXES, STATUSES, CohortFilter, best_response_label
from cmltrack.ui import board
from cmltrack.ui import data as q

#: The multi-choice filter widgets; each key is also the name of its URL query parameter (and "age").
CHOICE_KEYS = ("status", "sex", "phase", "eutos", "best", "arm")
_SEX_LABEL = {"F": "Female", "M": "Male"}
_AGE_BOUNDS = "_age_bounds"
#: The options of each multi-choice filter, and the label it is named by when a value sent for it is refused.
_CHOICES = {"status": (STATUSES, "Imatinib status"), "sex": (SEXES, "Sex"), "phase": (PHASES, "Phase"),
            "eutos": (EUTOS_GROUPS, "EUTOS risk"), "best": (BEST_RESPONSES, "Best response")}


def filter_from_state(state: Mapping, age_bounds: tuple[int, int] | None) -> CohortFilter:
    """The filter described by the widget values in ``state`` (a full age range means no age filter)."""
    age = state.get("age")
    if age is not None and age_bounds is not None and tuple(age) == tuple(age_bounds):
        age = None
    return CohortFilter(
        status=tuple(state.get("status") or ()), sex=tuple(state.get("sex") or ()),
        age=None if age is None else (int(age[0]), int(age[1])), phase=tuple(state.get("phase") or ()),
        eutos=tuple(state.get("eutos") or ()), best=tuple(state.get("best") or ()),
        arm=tuple(state.get("arm") or ()),
    )


def _reset() -> None:
    for key in CHOICE_KEYS:
        st.session_state[key] = []
    if st.session_state.get(_AGE_BOUNDS) is not None:
        st.session_state["age"] = st.session_state[_AGE_BOUNDS]


def _refused_choices() -> list[str]:
    """Reset each choice filter (and the rules) whose value from the browser is not one of its options (a forged
    widget message, or a stale link); return their labels. Runs before the widgets are drawn."""
    refused = []
    for key, (options, label) in _CHOICES.items():
        value = st.session_state.get(key)
        if value is None:
            continue
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v in options for v in value):
            st.session_state[key] = [v for v in value if v in options] if isinstance(value, list | tuple) else []
            refused.append(label)
    if st.session_state.get("rules") not in (None, *GUIDELINES):
        st.session_state["rules"] = "ELN2020"
        refused.append("ELN recommendations")
    return refused


def _arm_refused(arms: list[str]) -> bool:
    """Reset the arm filter the browser sent when a value is not one of this database's arms (a database without arms
    has none to offer); return whether it was reset. Runs before the widget is drawn."""
    value = st.session_state.get("arm")
    if value is None:
        return False
    if isinstance(value, list | tuple) and all(isinstance(v, str) and v in arms for v in value):
        return False
    st.session_state["arm"] = [v for v in value if v in arms] if isinstance(value, list | tuple) else []
    return True


def _valid_age(value: object, bounds: tuple[int, int] | None) -> bool:
    """Whether an age range is two whole years within this database's bounds, lower first."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        return False
    return (bounds is not None and math.isfinite(low) and math.isfinite(high) and low.is_integer()
            and high.is_integer() and bounds[0] <= low <= high <= bounds[1])


def _age_refused(bounds: tuple[int, int] | None) -> bool:
    """Reset the age range the browser sent when it is not valid (`_valid_age`); return whether it was reset. Runs
    before the slider is drawn."""
    value = st.session_state.get("age")
    if value is None or _valid_age(value, bounds):
        return False
    if bounds is None or bounds[0] >= bounds[1]:  # no slider is drawn for this database
        del st.session_state["age"]
    else:
        st.session_state["age"] = bounds
    return True


def render_filters(con: Connection) -> CohortFilter:
    """Draw the filters and the count of patients shown; return the filter. A filter value the browser sent that is
    not one the widget offers is reset, with a message, before anything uses it."""
    bar = st.sidebar
    refused = _refused_choices()
    board.render_toggle()
    notice = bar.empty()  # where a refused value is said, above the filters
    source = q.database_source(con) or ""
    if source == DEMO_SOURCE:
        bar.warning("**Demo data**: 21 fictitious patients built from a published abstract, not real people.",
                    icon=":material/science:")
    elif source.startswith("synthetic cohort"):
        bar.warning("**Synthetic data**: fictitious patients generated for testing at scale, not real people.",
                    icon=":material/science:")
    elif source.startswith(DEMO_SOURCE):
        bar.warning("**Includes demo data**: the 21 fictitious patients of the demo cohort (IDs CML-01 to CML-21) "
                    "sit beside the imported ones.", icon=":material/science:")
    bar.markdown("### Cohort filters")
    multi = dict(selection_mode="multi", bind="query-params")
    bar.pills("Imatinib status", STATUSES, key="status", format_func=str.capitalize, **multi)
    bar.pills("Sex", SEXES, key="sex", format_func=_SEX_LABEL.get, **multi)
    bounds = q.age_bounds(con)
    st.session_state[_AGE_BOUNDS] = bounds
    if _age_refused(bounds):
        refused.append("Age at thalidomide start")
    if bounds is not None and bounds[0] < bounds[1]:
        bar.slider("Age at thalidomide start (years)", bounds[0], bounds[1], value=bounds, key="age",
                   bind="query-params", help="At thalidomide start; for patients who never took it, at imatinib "
                   "start, else at diagnosis, else the age recorded at study entry (imported trials).")
    bar.pills("Phase at thalidomide start", PHASES, key="phase", **multi)
    bar.pills("EUTOS risk at diagnosis", EUTOS_GROUPS, key="eutos", format_func=str.capitalize, **multi,
              help=explain.score_help("eutos"))
    bar.multiselect("Best response on thalidomide", BEST_RESPONSES, key="best", format_func=best_response_label,
                    placeholder="All", bind="query-params")
    arms = q.arms(con)
    if _arm_refused(arms):
        refused.append("Treatment arm")
    if arms:  # imported trials: the arm each patient was randomised to
        bar.multiselect("Treatment arm", arms, key="arm", placeholder="All", bind="query-params",
                        help="As randomised (CDISC ARM / TRT01P). The Cohort page can also band its lanes by arm.")
    values = {key: st.session_state.get(key) for key in (*CHOICE_KEYS, "age")}
    if values["age"] is not None and not _valid_age(values["age"], bounds):  # a link's ?age= no slider sends
        values["age"] = None  # not applied; the next run resets the slider (above) and the link with it
        refused.append("Age at thalidomide start")
    if refused:
        notice.warning(f"A filter value sent by the browser was not valid and was reset: {', '.join(refused)}.",
                       icon=":material/restart_alt:")
    cohort_filter = filter_from_state(values, bounds)
    shown, total = q.count_patients(con, cohort_filter)
    bar.markdown(f"**Showing {shown:,} of {total:,} patients**")
    bar.button("Reset filters", on_click=_reset, disabled=not cohort_filter.active)
    bar.markdown("### Response rules")
    bar.segmented_control("ELN recommendations", GUIDELINES, default="ELN2020", required=True, key="rules",
                          format_func=guideline_label, bind="query-params",
                          help="Derives responses, losses (MMR loss confirmation) and milestone classifications. "
                               + explain.guidelines_help())
    if current_guideline() in UNVERIFIED:
        bar.caption(f"{guideline_label(current_guideline())}: {UNVERIFIED[current_guideline()]}.")
    st.session_state["cohort_filter"] = cohort_filter
    st.session_state["cohort_total"] = total
    return cohort_filter


def current_guideline() -> str:
    """The ELN recommendations chosen in the sidebar."""
    return st.session_state.get("rules") or "ELN2020"


def current_filter() -> CohortFilter:
    """The filter drawn by `render_filters` in this run (app.py draws it before the page runs)."""
    return st.session_state.get("cohort_filter", CohortFilter())


def describe(f: CohortFilter) -> str:
    """The active filter in words, for empty-result messages."""
    parts = []
    if f.status:
        parts.append("imatinib " + " or ".join(f.status))
    if f.sex:
        parts.append(" or ".join(_SEX_LABEL[s].lower() for s in f.sex))
    if f.age:
        parts.append(f"aged {f.age[0]}-{f.age[1]}")
    if f.phase:
        parts.append("phase " + " or ".join(f.phase) + " at thalidomide start")
    if f.eutos:
        parts.append("EUTOS " + " or ".join(f.eutos))
    if f.best:
        parts.append("best response " + " or ".join(best_response_label(b) for b in f.best))
    if f.arm:
        parts.append("arm " + " or ".join(f.arm))
    return ", ".join(parts) if parts else "no filter"


def show_empty(f: CohortFilter, total: int) -> None:
    """Say in words that nothing matches, and what to do."""
    if total == 0:
        st.info("The database holds no patients yet. Build the demo cohort with `python -m cmltrack demo`, or point "
                "CMLTRACK_DB at a cmltrack database with patients.")
    else:
        st.warning(f"No patient matches the current filters ({describe(f)}). "
                   f"Widen them or press **Reset filters** in the sidebar to see all {total:,} patients.")
