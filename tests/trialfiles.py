"""Small, realistic SDTM LB and CM datasets for subjects of pharmaversesdtm (which has neither domain), built with
the SDTM IG's variable names and CDISC Controlled Terminology test codes, for import tests.

LB: three visits of two subjects with a blood count (WBC 10^9/L, HGB g/dL, PLAT 10^9/L) and a differential, as
percentages (BLASTLE, BASOLE, PROMYLE, MYCYLE, METAMYLE) for one subject and absolute counts (BLAST, BASO in 10^9/L)
for the other; neutrophils (NEUT, 10^9/L), a creatinine (chemistry, no column in labs) and one test NOT DONE.
CM: four medications, one with a partial start (2014-02), one without a start, one ongoing.
"""

from __future__ import annotations

import pandas as pd

SUBJECTS = ("01-701-1015", "01-701-1023")
STUDY = "CDISCPILOT01"


def _lb_row(seq: int, subject: str, code: str, test: str, value: float | None, unit: str, day: str,
            status: str | None = None, spec: str = "BLOOD") -> dict:
    text = None if value is None else f"{value:g}"
    return {"STUDYID": STUDY, "DOMAIN": "LB", "USUBJID": subject, "LBSEQ": seq, "LBTESTCD": code, "LBTEST": test,
            "LBCAT": "HEMATOLOGY" if code != "CREAT" else "CHEMISTRY", "LBORRES": text, "LBORRESU": unit,
            "LBSTRESC": text, "LBSTRESN": value, "LBSTRESU": unit, "LBSTAT": status, "LBSPEC": spec, "LBDTC": day}


def lb_frame() -> pd.DataFrame:
    """The LB dataset (one record per test and visit)."""
    rows: list[dict] = []
    seq = 0

    def add(*args, **kwargs) -> None:
        nonlocal seq
        seq += 1
        rows.append(_lb_row(seq, *args, **kwargs))

    a, b = SUBJECTS
    for day, wbc, hgb, plat, blast, baso in (("2014-01-02", 12.4, 11.8, 480, 3, 6), ("2014-02-05", 8.1, 12.6, 310, 1,
                                                                                        4),
                                             ("2014-03-10", 6.0, 13.1, 250, 0, 2)):
        add(a, "WBC", "Leukocytes", wbc, "10^9/L", day)
        add(a, "HGB", "Hemoglobin", hgb, "g/dL", day)
        add(a, "PLAT", "Platelets", plat, "10^9/L", day)
        add(a, "BLASTLE", "Blasts/Leukocytes", blast, "%", day)
        add(a, "BASOLE", "Basophils/Leukocytes", baso, "%", day)
        add(a, "PROMYLE", "Promyelocytes/Leukocytes", 1, "%", day)
        add(a, "MYCYLE", "Myelocytes/Leukocytes", 2, "%", day)
        add(a, "METAMYLE", "Metamyelocytes/Leukocytes", 1, "%", day)
        add(a, "NEUT", "Neutrophils", round(wbc * 0.6, 2), "10^9/L", day)
    for day, wbc, plat in (("2012-08-10", 20.0, 600), ("2012-09-14", 9.5, 400)):
        add(b, "WBC", "Leukocytes", wbc, "10^9/L", day)
        add(b, "PLAT", "Platelets", plat, "10^9/L", day)
        add(b, "HGB", "Hemoglobin", 128, "g/L", day)
        add(b, "BLAST", "Blasts", 0.4, "10^9/L", day)  # 2% of 20, then 4.2% of 9.5
        add(b, "BASO", "Basophils", 1.0, "10^9/L", day)  # 5%, then 10.5%
        add(b, "CREAT", "Creatinine", 80, "umol/L", day)
    add(b, "PLAT", "Platelets", None, "10^9/L", "2012-10-12", status="NOT DONE")
    return pd.DataFrame(rows)


def cm_frame() -> pd.DataFrame:
    """The CM dataset."""
    a, b = SUBJECTS
    rows = [
        (a, 1, "TYLENOL", "ACETAMINOPHEN", "HEADACHE", "2014-01-10", "2014-01-12"),
        (a, 2, "ZOFRAN 8MG", "ONDANSETRON", "NAUSEA", "2014-02", "2014-02-20"),
        (a, 3, "ASPIRIN", "ACETYLSALICYLIC ACID", "PROPHYLAXIS", None, None),
        (b, 1, "LISINOPRIL", "LISINOPRIL", "HYPERTENSION", "2012-07-01", None),
    ]
    return pd.DataFrame([{"STUDYID": STUDY, "DOMAIN": "CM", "USUBJID": s, "CMSEQ": seq, "CMTRT": trt,
                          "CMDECOD": decod, "CMINDC": indc, "CMSTDTC": start, "CMENDTC": end}
                         for s, seq, trt, decod, indc, start, end in rows])
