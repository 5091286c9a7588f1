"""The demo cohort: 21 fictitious patients that reproduce the ASH 2012 abstract (Blood 2012;120(21):1689).

Each patient is a short script (`Spec`): baseline, imatinib dose history, response events and adverse events, in
months. `demo_frames()` expands the scripts into table rows with visit schedules and lab values consistent with the
recorded responses (marrow cytogenetics whenever a cytogenetic response is recorded, qPCR every 3 months).
Names and MRNs are fake on purpose ("Testperson", "FAKE-").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cmltrack.timeaxis import MONTH_DAYS

#: The source a registry of the demo cohort records (meta), which the sidebar labels as demo data.
DEMO_SOURCE = "demo cohort (ASH 2012 abstract)"

#: Data cut-off of the demo cohort: every patient's last visit (the abstract was submitted in August 2012).
CUTOFF = dt.date(2012, 8, 1)
CTCAE_VERSION = "4.03"  # in force in 2012
THALIDOMIDE_MG = 100.0
SEED = 1689

#: The four patients of the abstract who reached CCgR on the combination, by case number.
CCGR_CASES: dict[int, str] = {1: "CML-01", 2: "CML-02", 3: "CML-03", 4: "CML-04"}

# MedDRA preferred term -> (verbatim term as a clinician would write it, usual attribution).
_AE_TERMS: dict[str, tuple[str, str | None]] = {
    "Peripheral sensory neuropathy": ("Numbness and tingling in both feet", "thalidomide"),
    "Somnolence": ("Daytime drowsiness", "thalidomide"),
    "Constipation": ("Constipation", "thalidomide"),
    "Dizziness": ("Light-headedness", "thalidomide"),
    "Oedema peripheral": ("Ankle swelling", "imatinib"),
    "Muscle spasms": ("Leg cramps", "imatinib"),
    "Rash": ("Maculopapular rash, arms", "imatinib"),
    "Neutropenia": ("Low neutrophil count", "imatinib"),
    "Nausea": ("Nausea after doses", "imatinib"),
    "Diarrhoea": ("Loose stools", "imatinib"),
    "Fatigue": ("Tiredness", "imatinib"),
}


@dataclass(frozen=True)
class Spec:
    """One demo patient. Months ``m`` count from imatinib start; ``t`` from thalidomide start."""

    pid: str
    first: str
    sex: str
    age: int  # completed years at thalidomide start
    status: str  # resistant | intolerant
    phase_dx: str
    basophils: float  # baseline blood basophils, %
    spleen: float  # baseline spleen, cm below costal margin
    platelets: float
    blasts: float
    eosinophils: float
    im_months: float  # imatinib exposure before thalidomide
    fu_months: float  # follow-up since thalidomide start (to the data cut-off)
    im_doses: tuple[tuple[float, float], ...] = ((0, 400),)  # (m, mg/day)
    im_gaps: tuple[tuple[float, float], ...] = ()  # interruptions (m from, m to)
    im_events: tuple[tuple[float, str], ...] = ()  # (m, response kind)
    thal_events: tuple[tuple[float, str], ...] = ()  # (t, response kind)
    stop: tuple[float, str] | None = None  # (t, reason): thalidomide stopped
    stop_im: bool = False  # imatinib stopped at the same time
    ph_partial: float = 20.0  # Ph+ % while in PCyR
    aes: tuple[tuple[str, int, str, float, float | None], ...] = ()  # (MedDRA PT, grade, 'm'|'t', onset, months)
    extra_phase: tuple[tuple[float, str], ...] = field(default=())  # (m, phase) changes not tied to an event


SPECS: tuple[Spec, ...] = (
    # --- the four CCgR cases of the abstract ---------------------------------------------------------------
    # 1: 53 y, imatinib started in accelerated phase, intolerant, never CCgR on imatinib; CCgR 6 mo after
    #    thalidomide; still on it at 18 mo.
    Spec("CML-01", "Alma", "F", 53, "intolerant", "AP", 6, 18, 520, 17, 3, 40, 18,
         im_doses=((0, 600), (8, 400)), im_events=((3, "CHR"), (12, "PCYR")), thal_events=((6, "CCYR"),),
         ph_partial=30, aes=(("Neutropenia", 2, "m", 6, 2), ("Rash", 2, "m", 7, 1.5),
                             ("Constipation", 1, "t", 1, 2), ("Peripheral sensory neuropathy", 1, "t", 5, None))),
    # 2: 38 y, CCgR after 6 mo of imatinib lasting 53 mo, then lost; thalidomide added; 2nd CCgR after 7 mo;
    #    on it at 11 mo.
    Spec("CML-02", "Berit", "F", 38, "resistant", "CP", 4, 16, 610, 3, 2, 63, 11,
         im_doses=((0, 400), (59, 600)),
         im_events=((1, "CHR"), (3, "PCYR"), (6, "CCYR"), (12, "MMR"), (56, "LOSS_MMR"), (59, "LOSS_CCYR")),
         thal_events=((7, "CCYR"),),
         aes=(("Oedema peripheral", 1, "m", 2, 6), ("Muscle spasms", 1, "m", 10, 4),
              ("Somnolence", 1, "t", 0.5, 1), ("Peripheral sensory neuropathy", 1, "t", 4, None))),
    # 3: 44 y, only partial cytogenetic response on imatinib; thalidomide started in accelerated phase; CCgR
    #    after 4 mo; on it at 6 mo.
    Spec("CML-03", "Carmen", "F", 44, "resistant", "CP", 8, 12, 480, 4, 3, 30, 6,
         im_doses=((0, 400), (26, 600)),
         im_events=((2, "CHR"), (6, "PCYR"), (26, "LOSS_CHR"), (26, "PROG_AP")),
         thal_events=((2, "CHR"), (4, "CCYR")),
         aes=(("Dizziness", 1, "t", 1, 0.5), ("Peripheral sensory neuropathy", 1, "t", 3, None))),
    # 4: 26 y, suboptimal response to imatinib (ELN 2009: PCyR, not CCyR, at 12 mo); CCgR 2 mo after thalidomide.
    Spec("CML-04", "Dana", "F", 26, "resistant", "CP", 3, 20, 390, 2, 2, 13, 3.3,
         im_events=((3, "CHR"), (6, "PCYR")), thal_events=((2, "CCYR"),), ph_partial=25,
         aes=(("Nausea", 1, "m", 1, 2), ("Constipation", 1, "t", 1, None))),
    # --- six hematologic responders (CHR regained on the combination) --------------------------------------
    # CML-06 and CML-09 are intolerant (dose reduced for toxicity) yet also lose CHR on the reduced dose: ELN
    # failure, recorded under the reason imatinib was changed first (intolerance), as clinics do.
    Spec("CML-05", "Emil", "M", 22, "resistant", "CP", 5, 15, 700, 3, 4, 23, 9.4,
         im_doses=((0, 400), (12, 600)), im_events=((3, "CHR"), (18, "LOSS_CHR")), thal_events=((2, "CHR"),),
         aes=(("Muscle spasms", 1, "m", 4, 3), ("Peripheral sensory neuropathy", 1, "t", 6, None))),
    Spec("CML-06", "Frida", "F", 28, "intolerant", "CP", 2, 10, 350, 1, 2, 46, 8,
         im_doses=((0, 400), (10, 300)), im_gaps=((20, 21),),
         im_events=((2, "CHR"), (6, "PCYR"), (40, "LOSS_CHR")), thal_events=((1, "CHR"),),
         aes=(("Oedema peripheral", 2, "m", 8, 4), ("Neutropenia", 2, "m", 19.5, 1.5),
              ("Somnolence", 1, "t", 0.5, 2), ("Peripheral sensory neuropathy", 1, "t", 5, None))),
    Spec("CML-07", "Goran", "M", 32, "resistant", "CP", 7, 14, 820, 5, 3, 82, 6,
         im_doses=((0, 400), (24, 600)), im_events=((3, "CHR"), (12, "PCYR"), (78, "LOSS_CHR")),
         thal_events=((2, "CHR"),), aes=(("Diarrhoea", 1, "m", 5, 1), ("Constipation", 1, "t", 1, 3))),
    Spec("CML-08", "Hanna", "F", 35, "resistant", "CP", 5, 13, 450, 2, 2, 34, 5,
         im_doses=((0, 400), (18, 600)), im_events=((3, "CHR"), (30, "LOSS_CHR")), thal_events=((1, "CHR"),),
         aes=(("Peripheral sensory neuropathy", 1, "t", 3, None),)),
    Spec("CML-09", "Ivan", "M", 39, "intolerant", "CP", 4, 15, 300, 1, 1, 58, 4,
         im_doses=((0, 400), (6, 300)), im_gaps=((30, 31),),
         im_events=((3, "CHR"), (12, "PCYR"), (54, "LOSS_CHR")), thal_events=((2, "CHR"),),
         aes=(("Rash", 2, "m", 4, 2), ("Muscle spasms", 2, "m", 29.5, 1.5), ("Dizziness", 1, "t", 1, 1))),
    Spec("CML-10", "Jana", "F", 41, "resistant", "CP", 9, 8, 560, 6, 5, 102, 3.6,
         im_doses=((0, 400), (30, 600), (80, 800)), im_events=((2, "CHR"), (12, "PCYR"), (96, "LOSS_CHR")),
         thal_events=((2, "CHR"),), aes=(("Oedema peripheral", 1, "m", 82, 10), ("Constipation", 1, "t", 1, None))),
    # --- evaluable, no response --------------------------------------------------------------------------
    Spec("CML-12", "Lars", "M", 45, "resistant", "CP", 6, 22, 640, 4, 3, 65, 5,
         im_doses=((0, 400), (15, 600), (40, 800)), im_events=((3, "CHR"), (60, "LOSS_CHR")),
         aes=(("Fatigue", 1, "m", 42, 6), ("Peripheral sensory neuropathy", 2, "t", 4, None))),
    Spec("CML-13", "Mira", "F", 47, "intolerant", "CP", 10, 12, 410, 3, 2, 92, 3.2,
         im_doses=((0, 400), (12, 300)), im_events=((3, "CHR"), (18, "PCYR"), (88, "LOSS_CHR")),
         aes=(("Oedema peripheral", 2, "m", 10, 6), ("Somnolence", 1, "t", 1, None))),
    Spec("CML-14", "Nils", "M", 48, "resistant", "CP", 12, 16, 900, 7, 4, 40, 7,
         im_doses=((0, 400), (30, 600)), im_events=((3, "CHR"), (30, "LOSS_CHR"), (30, "PROG_AP")),
         thal_events=((4.5, "PROG_BP"),), stop=(4.5, "progression to blast phase"), stop_im=True,
         aes=(("Peripheral sensory neuropathy", 1, "t", 2, 4),)),
    # --- not yet evaluable (< 3 months on the combination) -------------------------------------------------
    Spec("CML-11", "Karl", "M", 43, "intolerant", "CP", 3, 5, 280, 1, 2, 14, 1.0,
         im_doses=((0, 400), (6, 300)), im_events=((3, "CHR"),),
         aes=(("Nausea", 2, "m", 2, 3), ("Neutropenia", 2, "m", 5, 1))),
    Spec("CML-15", "Olga", "F", 50, "resistant", "CP", 1, 0, 310, 1, 1, 7, 1.2, im_doses=((0, 400), (6, 600))),
    Spec("CML-16", "Pavel", "M", 52, "intolerant", "CP", 5, 19, 530, 3, 3, 52, 1.5,
         im_doses=((0, 400), (8, 300)), im_events=((2, "CHR"), (12, "PCYR")),
         aes=(("Muscle spasms", 2, "m", 6, 3), ("Constipation", 1, "t", 0.5, None))),
    Spec("CML-17", "Rosa", "F", 55, "intolerant", "CP", 6, 11, 370, 2, 2, 28, 2.0,
         im_doses=((0, 400), (5, 300)), im_gaps=((14, 15),), im_events=((3, "CHR"),),
         aes=(("Rash", 2, "m", 3, 2), ("Diarrhoea", 2, "m", 13.5, 1.5),
              ("Peripheral sensory neuropathy", 1, "t", 1.5, None))),
    Spec("CML-18", "Sven", "M", 58, "resistant", "CP", 8, 17, 760, 5, 3, 114, 2.0,
         im_doses=((0, 400), (36, 600)),
         im_events=((2, "CHR"), (6, "PCYR"), (18, "CCYR"), (100, "LOSS_CCYR")),
         aes=(("Somnolence", 1, "t", 0.5, None),)),
    Spec("CML-19", "Tomas", "M", 60, "intolerant", "CP", 4, 21, 430, 2, 2, 73, 2.2,
         im_doses=((0, 400), (20, 300)), im_events=((3, "CHR"), (12, "PCYR")),
         stop=(1.0, "adverse event: somnolence"),
         aes=(("Fatigue", 2, "m", 18, 4), ("Somnolence", 2, "t", 0.5, 1))),
    # the record notes the loss of CHR at 14 months but not the accelerated phase the labs show (a disagreement
    # between recorded and derived responses that the app lists)
    Spec("CML-20", "Ulla", "F", 63, "resistant", "AP", 11, 14, 590, 18, 4, 18, 2.5,
         im_doses=((0, 600), (12, 800)), im_events=((3, "CHR"), (14, "LOSS_CHR")), extra_phase=((14, "AP"),),
         aes=(("Dizziness", 1, "t", 1, 0.5),)),
    Spec("CML-21", "Viktor", "M", 45, "resistant", "CP", 7, 10, 480, 3, 2, 10, 2.6,
         im_doses=((0, 400), (6, 600)), im_events=((3, "CHR"), (9, "LOSS_CHR")),
         aes=(("Peripheral sensory neuropathy", 1, "t", 2, None),)),
)


def _days(months: float) -> dt.timedelta:
    return dt.timedelta(days=round(months * MONTH_DAYS))


@dataclass
class _State:
    """What the labs of a patient show at one time."""

    chr: bool
    ph: float  # Ph+ % of marrow metaphases
    mmr: bool
    phase: str


def _timeline(s: Spec) -> list[tuple[float, str]]:
    """All events of a patient on the imatinib clock, in order."""
    events = list(s.im_events) + [(s.im_months + t, k) for t, k in s.thal_events]
    events += [(m, f"PHASE_{p}") for m, p in s.extra_phase]
    return sorted(events)


def _state_at(s: Spec, events: list[tuple[float, str]], m: float) -> _State:
    st = _State(chr=False, ph=100.0, mmr=False, phase=s.phase_dx)
    for when, kind in events:
        if when > m:
            break
        if kind == "CHR":
            st.chr, st.phase = True, "CP"
            st.ph = min(st.ph, 90.0)
        elif kind == "PCYR":
            st.ph = s.ph_partial
        elif kind == "CCYR":
            st.ph = 0.0
        elif kind == "MMR":
            st.mmr = True
        elif kind == "LOSS_MMR":
            st.mmr = False
        elif kind == "LOSS_CCYR":
            st.ph, st.mmr = 12.0, False
        elif kind == "LOSS_CHR":
            st.chr, st.ph, st.mmr = False, 100.0, False
        elif kind in ("PROG_AP", "PROG_BP", "PHASE_AP"):
            st.chr, st.ph, st.mmr = False, 100.0, False
            st.phase = "BP" if kind == "PROG_BP" else "AP"
    return st


def _bcr_abl1(st: _State, rng: np.random.Generator) -> float:
    """BCR::ABL1 IS % consistent with the cytogenetic state (CCyR ~ <= 1%, MMR <= 0.1%)."""
    if st.mmr:
        lo, hi = 0.012, 0.09
    elif st.ph == 0:
        lo, hi = 0.15, 0.9
    elif st.ph <= 35:
        lo, hi = 1.5, 9.0
    elif st.ph < 100:
        lo, hi = 12.0, 45.0
    else:
        lo, hi = 40.0, 110.0
    return round(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))), 4)


def _blood(st: _State, spleen_dx: float, rng: np.random.Generator) -> dict[str, float]:
    """Blood counts for a state; CHR only when every ELN criterion is met. The spleen outside CHR stays below its
    size at diagnosis (a patient with no palpable spleen at diagnosis keeps none)."""
    u = rng.uniform
    if st.phase == "BP":
        return dict(wbc=u(60, 120), hb=u(75, 90), platelets=u(60, 95), blasts_pct=u(32, 45), promyelocytes_pct=u(2, 5),
                    immature_granulocytes_pct=u(5, 15), basophils_pct=u(6, 12), spleen_cm=spleen_dx * u(0.8, 1.0))
    if st.phase == "AP":
        return dict(wbc=u(30, 80), hb=u(90, 105), platelets=u(150, 600), blasts_pct=u(15.5, 22),
                    promyelocytes_pct=u(3, 7), immature_granulocytes_pct=u(10, 20), basophils_pct=u(8, 14),
                    spleen_cm=spleen_dx * u(0.5, 0.8))
    if st.chr:
        return dict(wbc=u(3.8, 9.0), hb=u(118, 148), platelets=u(150, 400), blasts_pct=0.0, promyelocytes_pct=0.0,
                    immature_granulocytes_pct=0.0, basophils_pct=u(0, 2.5), spleen_cm=0.0)
    return dict(wbc=u(14, 55), hb=u(100, 125), platelets=u(300, 700), blasts_pct=u(1, 4), promyelocytes_pct=u(0, 2),
                immature_granulocytes_pct=u(2, 8), basophils_pct=u(5.5, 9), spleen_cm=spleen_dx * u(0.2, 0.5))


def _visit_months(s: Spec) -> tuple[list[float], set[float], set[float]]:
    """Visit months (imatinib clock), and which of them include marrow cytogenetics and qPCR."""
    im, fu = s.im_months, s.fu_months
    events = _timeline(s)
    visits = {0.0, 0.5, 1.0, 2.0} | {float(m) for m in np.arange(3, im, 3)}
    visits |= {im + t for t in (0.0, 0.5, *range(1, int(fu) + 1))} | {im + fu}
    visits |= {m for m, _ in events}
    visits = {m for m in visits if m <= im + fu}
    cyto_kinds = {"PCYR", "CCYR", "LOSS_CCYR"}
    marrow = {m for m, k in events if k in cyto_kinds} | {im}
    for m in sorted(visits):
        in_ccyr = _state_at(s, events, m).ph == 0
        if not in_ccyr and (m in (3, 6, 12, 18) or (m > 18 and m % 12 == 0)):
            marrow.add(m)
        if m > im and not in_ccyr and round(m - im, 6) in (3, 6, 12):
            marrow.add(m)
    marrow = {m for m in marrow if m in visits}
    qpcr = {m for m in visits if m >= 3 and (m % 3 == 0 or round(m - im, 6) % 3 == 0)}
    qpcr |= marrow | {m for m, k in events if k in ("MMR", "LOSS_MMR")}
    return sorted(visits), marrow, qpcr


def _patient_rows(i: int, s: Spec) -> dict[str, list[dict]]:
    rng = np.random.default_rng(SEED + i)
    thal_start = CUTOFF - _days(s.fu_months)
    im_start = thal_start - _days(s.im_months)

    def at(m: float) -> dt.date:
        return im_start + _days(m) if m <= s.im_months else thal_start + _days(m - s.im_months)

    birth = dt.date(thal_start.year - s.age, thal_start.month, min(thal_start.day, 28)) - dt.timedelta(
        days=int(rng.integers(20, 330)))
    patient = dict(
        patient_id=s.pid, mrn=f"FAKE-{700100 + i * 37:07d}", display_name=f"{s.first} Testperson", sex=s.sex,
        birth_date=birth, diagnosis_date=im_start - dt.timedelta(days=int(rng.integers(7, 29))),
        phase_at_diagnosis=s.phase_dx, im_status=s.status, spleen_cm=float(s.spleen), platelets=float(s.platelets),
        blasts_pct=float(s.blasts), basophils_pct=float(s.basophils), eosinophils_pct=float(s.eosinophils),
    )
    stop_m = None if s.stop is None else s.im_months + s.stop[0]
    treatments = _imatinib_segments(s, at, stop_m)
    treatments.append(dict(patient_id=s.pid, drug="thalidomide", dose_mg=THALIDOMIDE_MG, start_date=thal_start,
                           end_date=None if stop_m is None else at(stop_m),
                           reason_stopped=None if s.stop is None else s.stop[1]))
    events = _timeline(s)
    responses = [dict(patient_id=s.pid, date=at(m), kind=k, source="recorded")
                 for m, k in events if not k.startswith("PHASE_")]
    labs = _labs(s, events, at, patient["diagnosis_date"], rng)
    aes = []
    for term, grade, clock, onset, months in s.aes:
        start_m = onset if clock == "m" else s.im_months + onset
        verbatim, drug = _AE_TERMS[term]
        aes.append(dict(patient_id=s.pid, term=verbatim, meddra_pt=term, ctcae_grade=grade,
                        ctcae_version=CTCAE_VERSION, onset_date=at(start_m),
                        end_date=None if months is None else at(start_m + months), serious=False,
                        attributed_drug=drug))
    return dict(patients=[patient], treatments=treatments, labs=labs, responses=responses, adverse_events=aes)


def _imatinib_segments(s: Spec, at: Callable[[float], dt.date], stop_m: float | None) -> list[dict]:
    """Constant-dose imatinib segments, split by interruptions; the last one ongoing unless stopped."""
    bounds = [m for m, _ in s.im_doses[1:]]
    pieces = []  # (from m, to m or None, dose, reason the piece ended)
    for (m0, dose), nxt in zip(s.im_doses, bounds + [None]):
        pieces.append([m0, nxt, dose, "dose change"])
    for g0, g1 in s.im_gaps:
        for p in list(pieces):
            if p[0] < g0 and (p[1] is None or p[1] > g1):
                pieces.insert(pieces.index(p) + 1, [g1, p[1], p[2], p[3]])
                p[1], p[3] = g0, "interruption for adverse event"
    if s.stop_im and stop_m is not None:
        pieces[-1][1], pieces[-1][3] = stop_m, s.stop[1]
    rows = []
    for m0, m1, dose, reason in pieces:
        # a dose change or interruption ends the day before the next piece; a stop ends on the stop date
        end = None if m1 is None else at(m1) - dt.timedelta(days=0 if m1 == stop_m else 1)
        rows.append(dict(patient_id=s.pid, drug="imatinib", dose_mg=float(dose), start_date=at(m0),
                         end_date=end, reason_stopped=None if m1 is None else reason))
    return rows


def _labs(s: Spec, events: list[tuple[float, str]], at: Callable[[float], dt.date], diagnosed: dt.date,
          rng: np.random.Generator) -> list[dict]:
    visits, marrow, qpcr = _visit_months(s)
    rows = []
    for m in visits:
        st = _state_at(s, events, m)
        blood = {k: round(v, 1) for k, v in _blood(st, s.spleen, rng).items()}
        row = dict(patient_id=s.pid, date=at(m), **blood)
        if m == 0:  # the diagnosis visit (dated at diagnosis) holds the baseline values the scores use
            row.update(date=diagnosed, platelets=float(s.platelets), blasts_pct=float(s.blasts),
                       basophils_pct=float(s.basophils), spleen_cm=float(s.spleen))
        row.update(bcr_abl1_is_pct=None, abl1_copies=None, ph_pos_pct=None, metaphases=None)
        if m in qpcr:
            row.update(bcr_abl1_is_pct=_bcr_abl1(st, rng), abl1_copies=int(rng.integers(25_000, 120_000)))
        if m in marrow:
            ph = st.ph
            if 0 < ph < 100:
                ph = float(np.clip(round(ph + rng.uniform(-4, 4)), 1, 95))
            row.update(ph_pos_pct=ph, metaphases=int(rng.choice([20, 20, 25, 30])))
        rows.append(row)
    return rows


def demo_frames() -> dict[str, pd.DataFrame]:
    """The demo cohort as one DataFrame per table (patients, treatments, labs, responses, adverse_events)."""
    tables: dict[str, list[dict]] = {}
    for i, spec in enumerate(sorted(SPECS, key=lambda s: s.pid)):
        for table, rows in _patient_rows(i, spec).items():
            tables.setdefault(table, []).extend(rows)
    return {name: pd.DataFrame(rows) for name, rows in tables.items()}
